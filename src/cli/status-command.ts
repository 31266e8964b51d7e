import { exactJson } from '../core/screen-text.js';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { usageError } from '../core/errors.js';
import { inspectServer } from '../engine/inspect.js';
import { ago, describeInterruption, interruptionLines, isUnfinished, type Interruption } from '../engine/resume.js';
import { journalPath, readJournal, type Journal } from '../system/journal.js';
import { describeHolder, readLock, type LockInfo } from '../system/lock.js';
import { homeserverKey, resolveStateRoot } from '../system/state-dir.js';
import { recordedSessions, sessionsMatching, severalRecorded } from '../engine/recorded.js';
import type { CliOptions } from './args.js';
import type { CliIO } from './output.js';

/**
 * The homeserver whose session to show: the one --config/--venv names among the recorded sessions,
 * else the only one recorded (or the only unfinished one). Several and nothing saying which: exit 2.
 */
async function sessionDirFor(opts: CliOptions): Promise<string> {
  const root = resolveStateRoot(opts.stateDir);
  const folders = (await readdir(root, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory()).map((d) => d.name);
  const pointed = Boolean(opts.venv || opts.configPaths.length);
  if (folders.length === 1 && folders[0] && !pointed) return join(root, folders[0]);
  if (folders.length === 0) throw usageError(`No upgrade sessions are recorded in ${root}.`);
  const { sessions } = await recordedSessions(root);
  if (!pointed) {
    const unfinished = sessions.filter((s) => isUnfinished(s.journal));
    if (unfinished.length === 1 && unfinished[0]) return unfinished[0].dir;
    if (sessions.length === 1 && sessions[0]) return sessions[0].dir;
    if (sessions.length > 1) throw severalRecorded(sessions, 'status');
  } else {
    const matching = sessionsMatching(sessions, { venv: opts.venv, configPaths: opts.configPaths });
    if (matching.length === 1 && matching[0]) return matching[0].dir;
    if (matching.length > 1) throw severalRecorded(matching, 'status');
  }
  const picture = await inspectServer({ venv: opts.venv, configPaths: opts.configPaths, ...(opts.url ? { url: opts.url } : {}) });
  return join(root, homeserverKey(picture.serverName, picture.install.configPaths[0] ?? ''));
}

/** What `status --json` prints: the journal, plus where an unfinished session stands and who holds the lock. */
export interface StatusReport {
  journalPath: string;
  journal: Journal;
  /** True when the session did not end: `synapse-upgrade resume` carries it on. */
  resumable: boolean;
  interruption:
    | (Omit<Interruption, 'job'> & { agoSeconds: number; job: { state: string; pid?: number; exitCode?: number; signal?: string | null; text: string } | null })
    | null;
  /** A wizard working on this homeserver right now. */
  lock: (LockInfo & { live: boolean }) | null;
}

export async function statusReport(sessionDir: string, journal: Journal): Promise<StatusReport> {
  const lock = readLock(sessionDir);
  const resumable = isUnfinished(journal) && journal.to !== undefined;
  let interruption: StatusReport['interruption'] = null;
  if (resumable) {
    const i = await describeInterruption(sessionDir, journal);
    const job = i.job;
    const text = interruptionLines(i).find((l) => l.startsWith('That command')) ?? '';
    interruption = {
      ...i,
      agoSeconds: Math.round((Date.now() - Date.parse(i.lastSeen)) / 1000),
      job: job
        ? {
            state: job.state,
            ...(job.state === 'running' || job.state === 'lost' ? { pid: job.started.pid } : {}),
            ...(job.state === 'exited' ? { exitCode: job.exit.exitCode, signal: job.exit.signal ?? null } : {}),
            text: text.replace(/^That command /, '').replace(/\. Output: .*$/, ''),
          }
        : null,
    };
  }
  return { journalPath: journalPath(sessionDir), journal, resumable, interruption, lock: lock?.info ? { ...lock.info, live: lock.live } : null };
}

export function statusLines(report: StatusReport): string[] {
  const { journal } = report;
  const lines: string[] = [];
  if (report.lock?.live) lines.push(`A synapse-upgrade is working on this homeserver now: ${describeHolder(report.lock)}.`);
  if (report.resumable && report.interruption) {
    const i = report.interruption;
    lines.push(...interruptionLines({ ...i, job: undefined }).filter((l) => !l.startsWith('That command')));
    if (i.job) lines.push(`That command ${i.job.text}.${i.output ? ` Output: ${i.output}` : ''}`);
    if (!report.lock?.live) lines.push('Next: synapse-upgrade resume (or synapse-upgrade, which asks first).');
  } else {
    lines.push(
      `Session ${journal.sessionId}${journal.dryRun ? ' (dry run)' : ''}: ${journal.from ?? '?'} → ${journal.to ?? '?'}, ${journal.outcome ?? 'unfinished'}.`,
    );
  }
  lines.push(`Started ${journal.startedAt} (${ago(journal.startedAt)} ago), last written ${journal.updatedAt}.`);
  lines.push(
    ...journal.steps.map((s) => `  ${s.status.padEnd(8)} ${s.id}${s.summary ? `: ${s.summary}` : ''}${s.command ? `  $ ${s.command.join(' ')}` : ''}`),
  );
  lines.push(`Journal: ${report.journalPath}`, `Transcript: ${journal.transcript}`);
  return lines;
}

/** `synapse-upgrade status`: the last or current session, from the journal, without acting (no lock, no writes). */
export async function runStatus(opts: CliOptions, io: CliIO): Promise<number> {
  const dir = await sessionDirFor(opts);
  const journal = await readJournal(dir);
  if (!journal) throw usageError(`No upgrade session is recorded in ${dir}.`);
  const report = await statusReport(dir, journal);
  const { journal: _journal, ...status } = report;
  io.stdout(opts.json ? exactJson({ ...journal, status }, 2) : statusLines(report).join('\n'));
  return 0;
}
