import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AdminError, ExitCode } from '../core/errors.js';
import { readJournal, type Journal } from '../system/journal.js';

/** One homeserver's folder in the state root and its journal (the last session on it). */
export interface RecordedSession {
  dir: string;
  journal: Journal;
}

/**
 * Every session recorded in the state root, one per homeserver. `status`, `resume` and `rollback`
 * act on the homeserver a session names, never on a fresh guess. Damaged journals are returned apart.
 */
export async function recordedSessions(stateRoot: string): Promise<{ sessions: RecordedSession[]; damaged: unknown[] }> {
  const folders = (await readdir(stateRoot, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory());
  const sessions: RecordedSession[] = [];
  const damaged: unknown[] = [];
  for (const folder of folders) {
    const dir = join(stateRoot, folder.name);
    const journal = await readJournal(dir).catch((error: unknown) => void damaged.push(error));
    if (journal) sessions.push({ dir, journal });
  }
  return { sessions, damaged };
}

/** The sessions of the homeserver named by --config (its first path) or --venv. */
export function sessionsMatching(sessions: RecordedSession[], opts: { venv?: string | undefined; configPaths?: readonly string[] }): RecordedSession[] {
  const config = opts.configPaths?.[0] ? resolve(opts.configPaths[0]) : undefined;
  const venv = opts.venv ? resolve(opts.venv) : undefined;
  return sessions.filter(({ journal }) => {
    const install = journal.install;
    if (!install) return false;
    if (config && (!install.configPaths[0] || resolve(install.configPaths[0]) !== config)) return false;
    if (venv && (!install.venv || resolve(install.venv) !== venv)) return false;
    return true;
  });
}

/** One line per recorded homeserver: its config, server name, and the session's versions and outcome. */
export function describeRecorded({ journal }: RecordedSession): string {
  const install = journal.install;
  const where = install?.configPaths.join(' + ') || '(no config recorded)';
  const name = install?.serverName ? ` (${install.serverName})` : '';
  return `${where}${name}: ${journal.from ?? '?'} → ${journal.to ?? '?'}, ${journal.outcome ?? 'unfinished'}, started ${journal.startedAt}`;
}

/** Sessions of several homeservers are recorded and nothing says which: exit 2 naming each. */
export function severalRecorded(sessions: RecordedSession[], command: string): AdminError {
  return new AdminError(
    `Sessions of ${sessions.length} homeservers are recorded, so \`${command}\` does not know which one to act on: ${sessions.map(describeRecorded).join('; ')}.`,
    {
      exitCode: ExitCode.usage,
      code: 'ambiguous',
      serverState: 'nothing was changed',
      nextStep: `Say which with --config PATH (e.g. synapse-upgrade ${command} --config ${sessions[0]?.journal.install?.configPaths[0] ?? 'PATH'}).`,
    },
  );
}

/**
 * `rollback` without --config/--venv: the homeserver of the one recorded upgrade (a session that
 * was not a dry run and knows the version it came from). Several: exit 2 naming each; none: undefined.
 */
export async function recordedUpgrade(stateRoot: string): Promise<{ venv?: string; configPaths: string[]; workersOnly?: { mainUrl: string } } | undefined> {
  const { sessions } = await recordedSessions(stateRoot);
  const upgrades = sessions.filter(({ journal }) => !journal.dryRun && journal.from && journal.install?.configPaths.length);
  if (upgrades.length > 1) throw severalRecorded(upgrades, 'rollback');
  const install = upgrades[0]?.journal.install;
  if (!install) return undefined;
  // A workers-only session is rolled back as one (its workers, never a main process on this host).
  return {
    ...(install.venv ? { venv: install.venv } : {}),
    configPaths: [...install.configPaths],
    ...(install.workersOnly ? { workersOnly: { mainUrl: install.workersOnly.mainUrl } } : {}),
  };
}
