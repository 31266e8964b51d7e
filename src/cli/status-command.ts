import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { usageError } from '../core/errors.js';
import { inspectServer } from '../engine/inspect.js';
import { readJournal, type Journal } from '../system/journal.js';
import { homeserverKey, resolveStateRoot } from '../system/state-dir.js';
import type { CliOptions } from './args.js';
import type { CliIO } from './output.js';

async function sessionDirFor(opts: CliOptions): Promise<string> {
  const root = resolveStateRoot(opts.stateDir);
  const folders = await readdir(root).catch(() => [] as string[]);
  if (folders.length === 1 && folders[0]) return join(root, folders[0]);
  if (folders.length === 0) throw usageError(`No upgrade sessions are recorded in ${root}.`);
  const picture = await inspectServer({ venv: opts.venv, configPaths: opts.configPaths, ...(opts.url ? { url: opts.url } : {}) });
  return join(root, homeserverKey(picture.serverName, picture.install.configPaths[0] ?? ''));
}

export function statusLines(journal: Journal): string[] {
  return [
    `Session ${journal.sessionId}${journal.dryRun ? ' (dry run)' : ''}: ${journal.from ?? '?'} → ${journal.to ?? '?'}`,
    `Started ${journal.startedAt}, last written ${journal.updatedAt}`,
    `Outcome: ${journal.outcome ?? 'unfinished'}`,
    ...journal.steps.map((s) => `  ${s.status.padEnd(8)} ${s.id}${s.summary ? `: ${s.summary}` : ''}${s.command ? `  $ ${s.command.join(' ')}` : ''}`),
    `Transcript: ${journal.transcript}`,
  ];
}

/** `synapse-upgrade status`: the last or current session, from the journal, without acting. */
export async function runStatus(opts: CliOptions, io: CliIO): Promise<number> {
  const dir = await sessionDirFor(opts);
  const journal = await readJournal(dir);
  if (!journal) throw usageError(`No upgrade session is recorded in ${dir}.`);
  io.stdout(opts.json ? JSON.stringify(journal, null, 2) : statusLines(journal).join('\n'));
  return 0;
}
