import { join } from 'node:path';
import { AdminError, ExitCode } from '../../core/errors.js';
import {
  backgroundUpdatesCheck,
  diskChecks,
  platformChecks,
  preflightSummary,
  rebuildEstimate,
  rollbackFloorCheck,
  userCheck,
  type PreflightCheck,
} from '../../core/preflight.js';
import type { FloorComponent, PlatformVersions } from '../../core/platform.js';
import { postgresVersionFromNum } from '../../system/database.js';
import { shellQuote } from '../../system/redact.js';
import type { FlowStep, SessionContext } from '../context.js';
import { describeStep } from '../../core/steps.js';
import { readCompat, readPendingBackgroundUpdates, readPostgresVersion, type DatabaseInfo } from '../database-info.js';
import { systemOf, type SystemHelpers } from '../system-helpers.js';
import { runAsOf } from '../../methods/registry.js';

/** Where backups go: --backup-dir, else `backups/` in the homeserver's state folder. */
export const backupDirOf = (ctx: Pick<SessionContext, 'opts' | 'sessionDir'>): string => ctx.opts.backupDir ?? join(ctx.sessionDir, 'backups');

const LOCAL_HOSTS = new Set(['', 'localhost', '127.0.0.1', '::1']);

/** The PostgreSQL data directory, when the server is on this machine and the role may read the setting. */
async function postgresDataDir(info: DatabaseInfo, files: SystemHelpers['files']): Promise<string | undefined> {
  const host = String(info.pg?.argv[info.pg.argv.indexOf('-h') + 1] ?? '');
  if (info.pg?.argv.includes('-h') && !LOCAL_HOSTS.has(host) && !host.startsWith('/')) return undefined;
  try {
    const rows = await info.ro.query("SELECT setting FROM pg_settings WHERE name = 'data_directory'");
    const dir = rows[0]?.setting;
    return typeof dir === 'string' && dir && files.exists(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** Runs every check; read-only (a dry run runs them too). */
export async function runPreflightChecks(ctx: SessionContext): Promise<PreflightCheck[]> {
  const { picture, opts } = ctx;
  const target = ctx.decision.target;
  const { files, database, releaseData } = systemOf(ctx);
  const data = await releaseData();
  const checks: PreflightCheck[] = [];
  const info = database.info(picture);
  const engine = 'error' in info ? 'sqlite3' : info.engine;

  // Platform: Python and SQLite as the venv's Python sees them, PostgreSQL over the config's connection.
  const have: PlatformVersions = {};
  const source: Partial<Record<FloorComponent, string>> = {};
  const unreadable: Partial<Record<FloorComponent, string>> = {};
  let python = picture.install.pythonVersion;
  let sqlite = picture.install.sqliteVersion;
  const interpreter = picture.install.python;
  // An install that brings its Python with the new version (a Docker image): the floor is the target's Python.
  const targetPython = ctx.method.targetPython ? await ctx.method.targetPython(picture.install, target, process.env) : undefined;
  if (targetPython) {
    if ('python' in targetPython) [have.python, source.python] = [targetPython.python, targetPython.source];
    else unreadable.python = targetPython.why;
  } else if (interpreter && (!python || !sqlite)) {
    const runtime = await database.pythonRuntime(interpreter);
    if ('error' in runtime) unreadable.python = runtime.error;
    else ({ python, sqlite } = runtime);
  } else if (!interpreter && !python) {
    unreadable.python = `no Python interpreter of this ${picture.install.method} install is reachable from the host`;
  }
  if (python && !targetPython) [have.python, source.python] = [python, interpreter ?? 'reported by the install'];
  if (sqlite) [have.sqlite, source.sqlite] = [sqlite, `the sqlite3 module of ${interpreter ?? 'the install'}`];
  if ('error' in info) {
    unreadable.postgresql = info.error;
  } else if (info.engine === 'psycopg2') {
    const pgv = await readPostgresVersion(info.ro);
    if ('error' in pgv) unreadable.postgresql = `cannot connect to ${info.where}: ${pgv.error}`;
    else [have.postgresql, source.postgresql] = [postgresVersionFromNum(pgv.num), `server_version_num ${pgv.num} at ${info.where}`];
  }
  const platform = platformChecks(data.platform, target, have, { engine, source, unreadable });
  for (const c of platform) {
    // Unknown before the pull is no refusal: the image brings a Python its own release works with, and the config check runs it first.
    if (c.id === 'python' && c.status === 'fail' && targetPython && 'why' in targetPython) c.status = 'warn';
    if (c.id === 'postgresql' && c.status === 'fail' && !have.postgresql) c.fix = 'Check database.args in homeserver.yaml (host, port, user, dbname, password) and that PostgreSQL is running and accepts this role.';
  }
  checks.push(...platform);

  // The user: pip into someone else's venv leaves files the homeserver cannot use.
  const uid = process.getuid?.() ?? -1;
  const runAs = runAsOf(picture.install, ctx.method);
  if (runAs) {
    const path = 'ownerOf' in runAs ? runAs.ownerOf : undefined;
    checks.push(userCheck({
      ...('root' in runAs ? { root: runAs.root } : {}),
      owner: path ? await files.ownerOf(path) : undefined,
      me: { uid, name: await files.userName(uid) },
      commandLine: ['synapse-upgrade', ...process.argv.slice(2)].map(shellQuote).join(' '),
      path: path ?? '',
    }));
  }

  // Backup folder and free disk.
  // A workers-only host takes no backup and leaves the database to the main process's session.
  const backups = !opts.noBackup && !opts.workersOnly;
  const backupDir = backupDirOf(ctx);
  if (backups) {
    const problem = opts.dryRun ? undefined : await files.writableDirProblem(backupDir);
    checks.push(problem
      ? { id: 'backup-dir', name: 'Backup folder', status: 'fail', evidence: `${backupDir} cannot be written (${problem})`, fix: 'Choose a writable folder with --backup-dir, or fix its permissions.' }
      : { id: 'backup-dir', name: 'Backup folder', status: 'pass', evidence: `${backupDir}${opts.dryRun ? ' (not created in a dry run)' : ' is writable'}` });
  }
  if (opts.workersOnly) {
    // The database checks (disk, background updates, rollback floor) are the main process's host's.
  } else if ('error' in info) {
    checks.push({ id: 'disk-database', name: 'Free disk', status: 'warn', evidence: `the database is not known: ${info.error}` });
  } else {
    const size = await database.bytes(info);
    const bytes = 'bytes' in size ? size.bytes : undefined;
    const rebuild = bytes === undefined ? { bytes: 0, why: [] } : rebuildEstimate(ctx.from, target, bytes);
    const dbDir = info.sqlitePath ? join(info.sqlitePath, '..') : await postgresDataDir(info, files);
    const disk = diskChecks({
      databaseBytes: bytes,
      rebuildBytes: rebuild.bytes,
      databaseFree: dbDir ? await files.freeSpace(dbDir) : undefined,
      backupFree: backups ? await files.freeSpace(backupDir) : undefined,
      ...('error' in size ? { why: size.error } : {}),
    });
    if (rebuild.why.length) for (const c of disk) if (c.id === 'disk-database') c.evidence += `; ${rebuild.why.join('; ')}`;
    checks.push(...disk);

    const pending = await readPendingBackgroundUpdates(info.ro);
    checks.push(backgroundUpdatesCheck('names' in pending ? pending.names : undefined, opts.yes, 'error' in pending ? pending.error : undefined));

    const compat = await readCompat(info.ro);
    checks.push(rollbackFloorCheck(data.schema, {
      from: ctx.from,
      target,
      dbCompat: 'compat' in compat ? compat.compat : undefined,
      backup: backups,
      ...('error' in compat ? { why: compat.error } : {}),
    }));
  }
  return checks;
}

/**
 * Before anything changes: every check with its evidence. A failure refuses the upgrade (exit 4;
 * exit 2 when only the backup folder is wrong); warnings are shown and the admin decides at the plan.
 */
export const preflightStep: FlowStep = {
  ...describeStep('preflight'),
  async run(ctx) {
    const { tracker, deps } = ctx;
    await tracker.start('preflight');
    const checks = await runPreflightChecks(ctx);
    ctx.preflight = checks;
    for (const c of checks) {
      deps.emit({ type: 'check', name: c.name, status: c.status, evidence: c.evidence, probed: true });
      if (c.fix && c.status === 'warn') deps.emit({ type: 'message', level: 'warn', text: `${c.name}: ${c.fix}` });
    }
    const failed = checks.filter((c) => c.status === 'fail');
    if (failed.length) {
      const onlyFolder = failed.every((c) => c.id === 'backup-dir');
      throw new AdminError(
        failed.length === 1 && failed[0]
          ? `Preflight refused the upgrade: ${failed[0].name}: ${failed[0].evidence}.`
          : `Preflight refused the upgrade:\n${failed.map((c) => `  - ${c.name}: ${c.evidence}`).join('\n')}`,
        {
          exitCode: onlyFolder ? ExitCode.usage : ExitCode.refused,
          serverState: 'nothing was changed',
          nextStep: failed.map((c) => c.fix).filter(Boolean).join(' ') || 'Fix the failed checks, then run again.',
        },
      );
    }
    await tracker.done('preflight', preflightSummary(checks));
    for (const c of checks.filter((x) => x.status === 'warn')) ctx.summary.push(`Preflight warning: ${c.name}: ${c.evidence}.`);
  },
};
