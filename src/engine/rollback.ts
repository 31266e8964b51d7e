import { AdminError } from '../core/errors.js';
import { planRollback, type RollbackPlan } from '../core/rollback-plan.js';
import type { StepId } from '../core/steps.js';
import type { BackupRecord } from '../system/backup.js';
import type { SessionContext } from './context.js';
import { readCompat, readSchemaVersion } from './database-info.js';
import type { RollbackContext, RollbackInput, RollbackOutcome } from './rollback-context.js';
import { rollbackFlowFor } from './rollback-flow.js';
import { runFlow } from './run-flow.js';
import { rollbackInputOf, rollBackWorkersOnly } from './workers-only-rollback.js';
import { systemOf } from './system-helpers.js';

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

/**
 * Puts the old version back: the rollback's flow (engine/rollback-flow.ts) run by the flow runner. Stop (when the
 * database must change), install the old version the method's way, put the config files back, restore the backup
 * or apply the guide's schema-rollback SQL when the database needs it, start, and prove over HTTP that the old
 * version serves. Each step goes to the journal; the screen draws the steps this plan needs, announced first.
 */
export async function runRollback(input: RollbackInput, plan: RollbackPlan): Promise<RollbackOutcome> {
  if (plan.blocked) {
    throw new AdminError(`Cannot roll back to ${input.back}: ${plan.blocked}.`, {
      serverState: `matrix-synapse ${input.current} is installed`,
      nextStep: 'Fix the cause of the failure and start the new version, or restore a database backup of your own.',
    });
  }
  const system = systemOf(input);
  const dbChanges = plan.restore || plan.sql.length > 0;
  const ctx: RollbackContext = {
    ...input,
    plan,
    system,
    info: system.database.info(input.picture),
    dbChanges,
    stillServing: !!input.oldStillServing && !dbChanges,
    lines: [],
  };
  const { flow, drawn } = rollbackFlowFor(ctx);
  input.tracker.announce(drawn.map((step) => step.id));
  await runFlow(flow, ctx);
  return ctx.downtimeMs === undefined ? { lines: ctx.lines } : { lines: ctx.lines, downtimeMs: ctx.downtimeMs };
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
