import { join } from 'node:path';
import { AdminError, ExitCode } from '../../core/errors.js';
import type { Emit } from '../../core/events.js';
import { formatBytes } from '../../core/preflight.js';
import { backupFileName, type BackupRecord } from '../../system/backup.js';
import { pgDumpCommand } from '../../system/backup-postgres.js';
import { sqliteBackupCommand } from '../../system/backup-sqlite.js';
import { openProblem } from '../../system/no-follow.js';
import type { Runner } from '../../system/runner.js';
import type { FlowStep } from '../context.js';
import { describeStep } from '../../core/steps.js';
import type { DatabaseInfo } from '../database-info.js';
import { systemOf, type SystemHelpers } from '../system-helpers.js';
import { backupDirOf } from './preflight.js';

const NOTHING_CHANGED = 'nothing was changed: the old version keeps serving';

export const describeBackup = (b: BackupRecord): string =>
  `${formatBytes(b.bytes)} in ${(b.durationMs / 1000).toFixed(1)} s, sha256 ${b.sha256.slice(0, 16)}…, ${b.verified} → ${b.path}`;

/**
 * Backs the database up into `dir` and verifies the copy; only a verified backup is recorded in
 * the journal. Every failure removes what was written and throws before anything else happens.
 * The folder is made through the runner too, so a dry run's plan script has every command.
 */
export async function takeBackup(input: {
  runner: Runner;
  python: string;
  info: DatabaseInfo;
  dir: string;
  version: string;
  emit: Emit;
  at?: Date;
  system?: SystemHelpers;
}): Promise<BackupRecord | undefined> {
  const { runner, info, dir } = input;
  const { files, database } = systemOf(input);
  await runner.run({ argv: ['mkdir', '-p', '-m', '700', dir], title: `Create the backup folder ${dir}` });
  const problem = runner.dryRun ? undefined : await files.writableDirProblem(dir);
  if (problem) {
    throw new AdminError(`The backup folder ${dir} cannot be written (${problem}).`, {
      exitCode: ExitCode.usage,
      serverState: NOTHING_CHANGED,
      nextStep: 'Choose a writable folder with --backup-dir, or fix its permissions.',
    });
  }
  if (!runner.dryRun) await files.ensureTrusted(dir, 'backup folder', '--backup-dir');
  const dest = join(dir, backupFileName(input.version, info.engine, input.at));
  // Made here, 0600 and exclusively: the dump and the SQLite copy write into it (pg_dump keeps the mode, and SQLite
  // gives its -journal the database file's mode), so the backup is never readable by others, and never a planted link.
  if (!runner.dryRun) {
    await files.createPrivate(dest).catch((error: NodeJS.ErrnoException) => {
      throw new AdminError(`The backup file ${openProblem(dest, error)}.`, { exitCode: ExitCode.usage, serverState: NOTHING_CHANGED, nextStep: 'Remove it, or choose another folder with --backup-dir.' });
    });
  }
  const spec = info.engine === 'sqlite3' ? sqliteBackupCommand(input.python, info.sqlitePath ?? '', dest) : pgDumpCommand(info.pg!, dest);
  const result = await runner.run(spec);
  if (runner.dryRun) return undefined;
  const fail = async (what: string, next: string): Promise<never> => {
    // SQLite may leave its own companions (-journal, -wal, -shm) next to the file.
    await Promise.all(['', '-journal', '-wal', '-shm'].map((suffix) => files.remove(`${dest}${suffix}`)));
    throw new AdminError(what, { serverState: NOTHING_CHANGED, nextStep: next });
  };
  if (result.exitCode !== 0) {
    const tail = result.tail.filter(Boolean).slice(-3).join(' | ');
    const full = /disk is full|No space left|ENOSPC|could not write|database or disk is full/i.test(tail);
    await fail(
      full ? `The backup failed: the filesystem of ${dir} is full (${tail}).` : `The backup failed (exit ${result.exitCode}): ${tail}`,
      full ? `Free space there or choose another folder with --backup-dir, then run again.` : 'Fix the cause shown above (the transcript has the full output), then run again.',
    );
  }
  const verified: { ok: boolean; evidence: string; compat?: number } = info.engine === 'sqlite3' ? await database.verifySqliteBackup(input.python, dest) : await database.verifyPgDump(dest);
  if (!verified.ok) await fail(`The backup was written but does not verify: ${verified.evidence}.`, 'Check the database and the backup folder, then run again.');
  const [bytes, sha256] = await Promise.all([files.size(dest), files.sha256(dest)]);
  return {
    engine: info.engine,
    path: dest,
    source: info.where,
    bytes,
    durationMs: result.durationMs,
    sha256,
    verified: verified.evidence,
    createdAt: new Date().toISOString(),
    version: input.version,
    ...(verified.compat !== undefined ? { compat: verified.compat } : {}),
  };
}

/** Before the install: a verified backup, or (with --no-backup) a warning that stays in the summary. */
export const backupStep: FlowStep = {
  ...describeStep('backup'),
  async run(ctx) {
    const { tracker, deps, opts } = ctx;
    if (opts.workersOnly) {
      await tracker.skip('backup', "workers-only host: the database is the main process's (its host's session backs it up)");
      return;
    }
    if (opts.noBackup) {
      const text = 'No backup was taken (--no-backup): if the upgrade fails after the database has been migrated, there is no way back to the old version.';
      deps.emit({ type: 'message', level: 'warn', text });
      ctx.summary.push(`Warning: ${text}`);
      await tracker.skip('backup', 'skipped at your request (--no-backup)');
      return;
    }
    const system = systemOf(ctx);
    const info = system.database.info(ctx.picture);
    if ('error' in info) {
      throw new AdminError(`The database cannot be backed up: ${info.error}.`, { exitCode: ExitCode.refused, serverState: NOTHING_CHANGED, nextStep: 'Back it up by hand and run again with --no-backup.' });
    }
    const dir = backupDirOf(ctx);
    await tracker.start('backup');
    // Named after the session's start: a resumed session re-attaches to (or takes the result of) the same backup command.
    const at = tracker.recorder ? new Date(tracker.recorder.journal.startedAt) : undefined;
    const record = await takeBackup({ runner: ctx.runner, python: ctx.picture.install.python ?? 'python3', info, dir, version: ctx.from, emit: deps.emit, system, ...(at ? { at } : {}) });
    if (!record) {
      await tracker.done('backup', `not run (dry run): would back up ${info.where} into ${dir}`);
      return;
    }
    ctx.backup = record;
    await tracker.recorder?.setBackup(record);
    await tracker.done('backup', describeBackup(record));
    ctx.summary.push(`Backup of the ${ctx.from} database: ${record.path} (${formatBytes(record.bytes)}, sha256 ${record.sha256}).`);
  },
};
