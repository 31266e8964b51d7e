import { dirname } from 'node:path';
import { AdminError } from '../core/errors.js';
import { outputTail } from '../core/output-tail.js';
import { planRollback, type RollbackPlan } from '../core/rollback-plan.js';
import type { StepId } from '../core/steps.js';
import { sameVersion } from '../core/version.js';
import type { InstallMethod } from '../methods/types.js';
import type { BackupRecord } from '../system/backup.js';
import { pgExecCommand, pgRestoreCommand, pgRestoreToSqlCommand } from '../system/backup-postgres.js';
import { sqliteExecCommand, sqliteRestoreCommand } from '../system/backup-sqlite.js';
import type { CommandSpec } from '../system/command.js';
import { labelHarmlessShutdown } from '../core/log-progress.js';
import type { Runner } from '../system/runner.js';
import type { SessionContext, WizardDeps } from './context.js';
import type { StepTracker } from './step-tracker.js';
import { readCompat, readSchemaVersion } from './database-info.js';
import { withRestartHold } from './restart-hold.js';
import { startWorkers, stopWorkers } from './rollback-workers.js';
import { rollbackInputOf, rollBackWorkersOnly } from './workers-only-rollback.js';
import type { ServerPicture } from './inspect.js';
import { systemOf, type SystemHelpers } from './system-helpers.js';
import { downtimeOf } from './wait-ready.js';
import { restoreConfigFixes } from './config-fixes.js';
import type { FixWrite } from '../system/config-fix-files.js';

/** What a rollback needs: the same adapters as the upgrade, the version to go back to and the backup. */
export interface RollbackInput {
  picture: ServerPicture;
  method: InstallMethod;
  runner: Runner;
  tracker: StepTracker;
  deps: WizardDeps;
  yes: boolean;
  transcriptPath: string;
  /** The version to go back to. */
  back: string;
  /** The version installed now (the failed target). */
  current: string;
  backup: BackupRecord | undefined;
  /** Whether the old process may still be serving (config check failed before any restart). */
  oldStillServing?: boolean;
  /** Config files the session's accepted fixes rewrote: put back from their backups with the old version. */
  configFixes?: readonly FixWrite[];
  /** The session's system helpers (engine/system-helpers.ts); absent: the real ones. */
  system?: SystemHelpers;
}

export interface RollbackOutcome {
  lines: string[];
  downtimeMs?: number;
}

/**
 * The stop command: the method's own when it has one, else its restart command with `restart` turned
 * into `stop` (synctl, systemctl and docker all take both); undefined when neither fits.
 */
export function stopCommand(method: InstallMethod, install: ServerPicture['install']): CommandSpec | undefined {
  if (method.stopCommand) return method.stopCommand(install);
  const restart = method.restartCommand(install);
  const at = restart.argv.indexOf('restart');
  if (at < 0) return undefined;
  return { ...restart, argv: restart.argv.map((a, i) => (i === at ? 'stop' : a)), title: 'Stop Synapse' };
}

/** Runs one rollback command as step `id`; on failure, `failure` says what failed and `state` where the server is. */
async function runStep(input: RollbackInput, id: StepId, spec: CommandSpec, { failure, state }: { failure: string; state: string }): Promise<void> {
  await input.tracker.start(id, spec);
  const result = await input.runner.run(spec);
  if (result.exitCode !== 0) {
    throw new AdminError(`${failure} (exit ${result.exitCode}):\n${outputTail(result.tail, 6)}`, {
      serverState: state,
      nextStep: `Read ${input.transcriptPath}; then run \`synapse-upgrade rollback\` again to continue.`,
    });
  }
  await input.tracker.done(id, `${spec.title ?? spec.argv.join(' ')}: done`, { exitCode: 0 });
}

/** Decides what the database needs (restore, the guide's SQL, or nothing), from facts read now. */
export async function planFor(input: Pick<RollbackInput, 'picture' | 'back' | 'current' | 'backup' | 'system'>): Promise<RollbackPlan> {
  const system = systemOf(input);
  const data = await system.releaseData();
  const info = system.database.info(input.picture);
  const compat = 'error' in info ? undefined : await readCompat(info.ro);
  const workers = input.picture.install.workers.length > 0;
  return planRollback({
    schema: data.schema,
    procedures: data.rollbacks,
    back: input.back,
    current: input.current,
    engine: 'error' in info ? 'sqlite3' : info.engine,
    dbCompat: compat && 'compat' in compat ? compat.compat : undefined,
    haveBackup: !!input.backup,
    workers,
    dbSchema: workers && !('error' in info) ? await readSchemaVersion(info.ro) : undefined,
  });
}

/** The lines that tell the admin what a restore loses. */
export function lossLines(backup: BackupRecord, now: Date = new Date()): string[] {
  const minutes = Math.max(0, Math.round((now.getTime() - Date.parse(backup.createdAt)) / 60_000));
  return [
    `The database goes back to the backup taken at ${backup.createdAt} (${minutes} min ago), before the upgrade to the new version.`,
    'Everything written since then is lost: messages, room changes, new users and logins that reached this server after that moment.',
    `Backup: ${backup.path} (${backup.verified}, sha256 ${backup.sha256.slice(0, 16)}…).`,
  ];
}

/** The steps a rollback with this plan goes through, in order: what the screen shows before it begins. */
export function rollbackStepIds(
  plan: RollbackPlan,
  opts: { canStop: boolean; backup: boolean; databaseKnown: boolean; oldStillServing: boolean; configFixes?: boolean },
): StepId[] {
  const dbChanges = plan.restore || plan.sql.length > 0;
  const restore = plan.restore && opts.backup && opts.databaseKnown;
  const sql = !restore && plan.sql.length > 0 && opts.databaseKnown;
  const restart = !(opts.oldStillServing && !dbChanges);
  const ids: (StepId | false)[] = [
    dbChanges && opts.canStop && 'rollback-stop',
    'rollback-install',
    opts.configFixes === true && 'rollback-config',
    restore && 'rollback-restore',
    sql && 'rollback-sql',
    restart && 'rollback-restart',
    'rollback-verify',
  ];
  return ids.filter((id): id is StepId => id !== false);
}

/**
 * Puts the old version back: stop (when the database must change), install the old version the
 * method's way, restore the backup or apply the guide's schema-rollback SQL when the database
 * needs it, start, and prove over HTTP that the old version serves. Each step goes to the journal.
 */
export async function runRollback(input: RollbackInput, plan: RollbackPlan): Promise<RollbackOutcome> {
  const { picture, method, runner, tracker, back } = input;
  const { http, files, database } = systemOf(input);
  const install = picture.install;
  const info = database.info(picture);
  const lines: string[] = [];
  if (plan.blocked) {
    throw new AdminError(`Cannot roll back to ${back}: ${plan.blocked}.`, {
      serverState: `matrix-synapse ${input.current} is installed`,
      nextStep: 'Fix the cause of the failure and start the new version, or restore a database backup of your own.',
    });
  }
  const dbChanges = plan.restore || plan.sql.length > 0;
  const canStop = dbChanges && stopCommand(method, install) !== undefined;
  tracker.announce(
    rollbackStepIds(plan, {
      canStop,
      backup: !!input.backup,
      databaseKnown: !('error' in info),
      oldStillServing: !!input.oldStillServing,
      configFixes: !runner.dryRun && (input.configFixes?.length ?? 0) > 0,
    }),
  );
  const state = (what: string): string => `${what}; run \`synapse-upgrade rollback\` to go on`;

  // With a stop first (the database is changed while Synapse is down), the outage begins with that stop.
  let stoppedAt: number | undefined;
  if (dbChanges) {
    await stopWorkers(picture, runner, state(`matrix-synapse ${input.current} is installed`));
    stoppedAt = Date.now();
    const stop = stopCommand(method, install);
    if (stop) await runStep(input, 'rollback-stop', stop, { failure: 'Stopping Synapse failed', state: state(`matrix-synapse ${input.current} is installed`) });
  }
  // The method's own way back when it has one (git: check the tag out again; Debian: the kept .deb; Docker: the kept container).
  const backTo = await method.rollbackCommands?.(install, back, dirname(input.transcriptPath));
  const hold = { method, install, runner, tracker, emit: input.deps.emit, sessionDir: dirname(input.transcriptPath) };
  await withRestartHold(hold, async () => {
    for (const spec of backTo?.install ?? [method.installCommand(install, back)]) {
      await runStep(input, 'rollback-install', spec, {
        failure: `Installing ${back} failed`,
        state: state(`matrix-synapse ${input.current} may still be installed`),
      });
    }
  });
  if (!runner.dryRun) {
    const now = await method.installedVersion(install);
    if (!sameVersion(now, back))
      throw new AdminError(`After reinstalling, matrix-synapse ${now} is installed, not ${back}.`, { serverState: state('the old version is not back') });
  }
  lines.push(`matrix-synapse ${back} is installed again.`);
  if (input.configFixes?.length) {
    if (runner.dryRun) lines.push(`Would put back ${input.configFixes.map((w) => `${w.path} from ${w.backup}`).join(', ')}.`);
    else lines.push(...(await restoreConfigFixes(input.configFixes, tracker)).map((l) => `Config: ${l}.`));
  }

  if (plan.restore && input.backup && !('error' in info)) {
    const backup = input.backup;
    await tracker.start('rollback-restore');
    if (!runner.dryRun) {
      // A backup folder someone else controls could hand us another file, or take the restore script.
      await files.ensureTrusted(dirname(backup.path), 'backup folder', '--backup-dir', { create: false });
      const sum = await files.sha256(backup.path).catch((e: NodeJS.ErrnoException) => `unreadable (${e.code ?? e.message})`);
      if (sum !== backup.sha256) {
        throw new AdminError(`The backup ${backup.path} does not match its recorded checksum (${sum.slice(0, 16)}… ≠ ${backup.sha256.slice(0, 16)}…).`, {
          serverState: state(`matrix-synapse ${back} is installed, the database was not touched`),
          nextStep: 'Find an intact copy of the backup and restore it by hand.',
        });
      }
    }
    if (info.engine === 'sqlite3') {
      const result = await runner.run(sqliteRestoreCommand(install.python ?? 'python3', backup.path, info.sqlitePath ?? ''));
      if (result.exitCode !== 0)
        throw new AdminError(`Restoring the database failed:\n${outputTail(result.tail, 6)}`, {
          serverState: state(`matrix-synapse ${back} is installed; the database is as the failed version left it`),
        });
    } else {
      const sqlFile = `${backup.path}.restore.sql`;
      try {
        // The whole database as SQL: private (0600), and never written through a link.
        if (!runner.dryRun) await files.createPrivate(sqlFile);
        const toSql = await runner.run(pgRestoreToSqlCommand(backup.path, sqlFile));
        if (toSql.exitCode !== 0)
          throw new AdminError(`Reading the backup failed:\n${outputTail(toSql.tail, 6)}`, {
            serverState: state(`matrix-synapse ${back} is installed; the database was not touched`),
          });
        const result = await runner.run(pgRestoreCommand(info.pg!, sqlFile));
        if (result.exitCode !== 0)
          throw new AdminError(`Restoring the database failed (nothing was changed, it runs in one transaction):\n${outputTail(result.tail, 6)}`, {
            serverState: state(`matrix-synapse ${back} is installed; the database is as the failed version left it`),
          });
      } finally {
        await files.remove(sqlFile);
      }
    }
    await tracker.done('rollback-restore', `restored ${backup.path} (taken ${backup.createdAt})`);
    lines.push(`The database was restored from ${backup.path} (taken ${backup.createdAt}); changes made after that are gone.`);
  } else if (plan.sql.length && !('error' in info)) {
    await tracker.start('rollback-sql');
    const statements = plan.sql.flatMap((s) => s.statements);
    const title = `Schema rollback SQL from the upgrade guide (${plan.procedures.map((p) => p.id).join(', ')})`;
    const spec =
      info.engine === 'sqlite3'
        ? sqliteExecCommand(install.python ?? 'python3', info.sqlitePath ?? '', statements, title)
        : pgExecCommand(info.pg!, statements, title);
    const result = await runner.run(spec);
    if (result.exitCode !== 0)
      throw new AdminError(`The schema rollback SQL failed (nothing was changed):\n${outputTail(result.tail, 6)}`, {
        serverState: state(`matrix-synapse ${back} is installed`),
      });
    await tracker.done('rollback-sql', `${statements.length} statements: ${plan.sql.map((s) => s.say).join(' ')}`);
    lines.push(`Applied the upgrade guide's schema rollback (${plan.procedures.map((p) => p.id).join(', ')}).`);
  }
  for (const advice of plan.configAdvice) {
    input.deps.emit({ type: 'message', level: 'warn', text: `The upgrade guide asks for this config change after going back: ${advice}` });
    lines.push(`To do by hand (from the upgrade guide): ${advice.split('\n')[0]}`);
  }

  // Zero downtime: the old process never stopped, so it only has to be proven still there.
  if (input.oldStillServing && !dbChanges) {
    await tracker.start('rollback-verify');
    if (!runner.dryRun) {
      const probe = await http.serverVersion(picture.url);
      if (!probe.ok || !sameVersion(probe.answer.version, back)) {
        throw new AdminError(`After putting ${back} back, ${picture.url} answers ${probe.ok ? probe.answer.raw : 'nothing'}.`, {
          serverState: `matrix-synapse ${back} is installed`,
        });
      }
    }
    await tracker.done('rollback-verify', `${back} still serving, never restarted`);
    lines.push(`Synapse ${back} kept serving throughout: no restart, no downtime.`);
    return { lines, downtimeMs: 0 };
  }

  const restart = backTo?.restart ?? method.restartCommand(install);
  if (!dbChanges) await stopWorkers(picture, runner, state(`matrix-synapse ${back} is installed`));
  await tracker.start('rollback-restart', restart);
  const restartStarted = Date.now();
  let restartDone = false;
  const ready = runner.dryRun
    ? undefined
    : http.waitUntilReady({
        url: picture.url,
        logFile: picture.logFile,
        pidFile: picture.pidFile,
        processWatch: picture.processWatch,
        emit: input.deps.emit,
        ask: input.deps.ask,
        restartDone: () => restartDone,
        startedAt: restartStarted,
      });
  ready?.catch(() => {});
  const result = await runner.run(restart);
  restartDone = true;
  if (result.exitCode !== 0 && !runner.dryRun && !(await http.serverVersion(picture.url, 2000)).ok) {
    const log = picture.logFile ? labelHarmlessShutdown(await files.lastLines(picture.logFile, 40)).slice(-6) : [];
    throw new AdminError(`Starting ${back} failed (exit ${result.exitCode}):\n${outputTail([...result.tail, ...log], 10)}`, {
      serverState: `matrix-synapse ${back} is installed and Synapse is not running`,
      nextStep: `Read the homeserver log${picture.logFile ? ` (${picture.logFile})` : ''}.`,
    });
  }
  await tracker.done('rollback-restart', `restart command finished in ${(result.durationMs / 1000).toFixed(1)} s`, { exitCode: result.exitCode });

  await tracker.start('rollback-verify');
  if (!ready) {
    await tracker.done('rollback-verify', 'not run (dry run)');
    return { lines };
  }
  const answer = await ready;
  let version = answer.answer;
  if (!sameVersion(version.version, back)) {
    const again = await http.serverVersion(picture.url);
    if (again.ok) version = again.answer;
  }
  if (!sameVersion(version.version, back)) {
    throw new AdminError(`After the rollback, ${picture.url} answers ${version.raw}, not ${back}.`, { serverState: `matrix-synapse ${back} is installed` });
  }
  const healthy = await http.health(picture.url);
  await tracker.done('rollback-verify', `server_version says ${version.raw}; /health ${healthy ? 'OK' : 'did not answer OK'}`);
  lines.push(`Synapse ${back} serves again at ${picture.url} (server_version ${version.raw}, /health ${healthy ? 'OK' : 'not OK'}).`);
  lines.push(...(await startWorkers(picture, runner, back)));
  return { lines, downtimeMs: stoppedAt !== undefined ? answer.readyAt - stoppedAt : downtimeOf(answer) };
}

/** The question asked before a rollback, with what it will do and, for a restore, what is lost. */
export async function askRollback(input: RollbackInput, plan: RollbackPlan, why: string): Promise<boolean> {
  if (plan.blocked) return false;
  const details = [
    why,
    `Plan: install ${input.back} the way it was installed${plan.restore ? ', restore the database backup' : plan.sql.length ? ", apply the upgrade guide's schema rollback SQL" : ''}, ${input.oldStillServing && !plan.restore && !plan.sql.length ? 'and check the old process still answers (no restart)' : 'restart, and check it answers'}.`,
    `Database: ${plan.reason}.`,
    ...(plan.restore && input.backup ? lossLines(input.backup) : []),
  ];
  const answer = await input.deps.ask({
    id: plan.restore ? 'rollback-restore' : 'rollback',
    text: plan.restore ? `Roll back to ${input.back} and restore the database backup (data since the backup is lost)?` : `Roll back to ${input.back}?`,
    details,
    choices: [
      { value: 'rollback', label: plan.restore ? `Roll back to ${input.back} and restore the backup` : `Roll back to ${input.back}` },
      { value: 'leave', label: 'Leave everything as it is now (roll back later with `synapse-upgrade rollback`)' },
    ],
    safeDefault: 'rollback',
  });
  return answer === 'rollback';
}

/**
 * Called by the wizard when a step after the install fails: offers the rollback at once (with
 * --yes it is done). Returns lines for the result; never throws (a failed rollback is reported).
 */
export async function offerRollbackAfterFailure(ctx: SessionContext, reason: string): Promise<{ lines: string[]; rolledBack: boolean }> {
  const started = (id: StepId): boolean => !!ctx.tracker.recorder?.journal.steps.some((s) => s.id === id);
  if (!started('restart') || ctx.runner.dryRun) return { lines: [], rolledBack: false };
  if (ctx.opts.workersOnly) {
    const rollback = await rollBackWorkersOnly(rollbackInputOf(ctx), `The upgrade to ${ctx.decision.target} failed: ${reason}`, { restart: true });
    if (rollback.verified) ctx.workersVerified = rollback.verified;
    return rollback;
  }
  const input: RollbackInput = {
    picture: ctx.picture,
    method: ctx.method,
    runner: ctx.runner,
    tracker: ctx.tracker,
    deps: ctx.deps,
    yes: ctx.opts.yes,
    transcriptPath: ctx.transcriptPath,
    back: ctx.from,
    current: ctx.decision.target,
    backup: ctx.backup,
    configFixes: ctx.tracker.recorder?.journal.configFixes ?? [],
    system: ctx.system,
  };
  try {
    const plan = await planFor(input);
    if (plan.blocked) return { lines: [`No automatic rollback: ${plan.blocked}.`], rolledBack: false };
    if (!(await askRollback(input, plan, `The upgrade to ${ctx.decision.target} failed: ${reason}`))) {
      return {
        lines: ['The rollback was declined: everything was left as it is. `synapse-upgrade rollback` puts the old version back later.'],
        rolledBack: false,
      };
    }
    const outcome = await runRollback(input, plan);
    return { lines: [`Rolled back to ${ctx.from}.`, ...outcome.lines], rolledBack: true };
  } catch (error) {
    await ctx.tracker.fail(error instanceof Error ? (error.message.split('\n')[0] ?? 'rollback failed') : 'rollback failed');
    const lines =
      error instanceof AdminError
        ? [error.message, ...(error.serverState ? [`Server state: ${error.serverState}`] : []), ...(error.nextStep ? [`Next: ${error.nextStep}`] : [])]
        : [String(error)];
    return { lines: ['The rollback failed too:', ...lines], rolledBack: false };
  }
}
