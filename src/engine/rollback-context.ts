import { AdminError } from '../core/errors.js';
import { outputTail } from '../core/output-tail.js';
import type { RollbackPlan } from '../core/rollback-plan.js';
import type { StepId } from '../core/steps.js';
import type { InstallMethod } from '../methods/types.js';
import type { BackupRecord } from '../system/backup.js';
import type { CommandSpec } from '../system/command.js';
import type { FixWrite } from '../system/config-fix-files.js';
import type { Runner } from '../system/runner.js';
import type { FlowStep, WizardDeps } from './context.js';
import type { DatabaseInfo } from './database-info.js';
import type { ServerPicture } from './inspect.js';
import type { StepTracker } from './step-tracker.js';
import type { SystemHelpers } from './system-helpers.js';
import type { ReadyAnswer } from './wait-ready.js';

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
 * What the rollback's steps share (engine/rollback-flow.ts): the input, the plan, what was decided before the first
 * step, and what each step leaves for the next.
 */
export interface RollbackContext extends RollbackInput {
  plan: RollbackPlan;
  system: SystemHelpers;
  /** The homeserver's database, read when the rollback began. */
  info: DatabaseInfo | { error: string };
  /** The database changes (the backup is restored, or the guide's SQL runs): Synapse is stopped first. */
  dbChanges: boolean;
  /** The old process kept serving and the database does not change: no restart, it is only proven still there. */
  stillServing: boolean;
  /** Set by rollback-stop: when Synapse was stopped (the outage began then). */
  stoppedAt?: number;
  /** Set by rollback-install: the method's own way back, if it has one (its restart is used by rollback-restart). */
  backTo?: { install: CommandSpec[]; restart: CommandSpec };
  /** Set by rollback-restart: the wait for the old version (none in a dry run). */
  ready?: Promise<ReadyAnswer>;
  /** The lines of the result. */
  lines: string[];
  downtimeMs?: number;
}

/** One step of a rollback: `needed` decides, from the plan, whether the rollback goes through it at all. */
export interface RollbackStep extends FlowStep<RollbackContext> {
  needed(ctx: RollbackContext): boolean;
  /**
   * Whether the screen draws it (default: when needed). Stopping the workers runs without a line when Synapse has
   * no stop command; a dry run's config files are only named in the result.
   */
  drawn?(ctx: RollbackContext): boolean;
}

/** The server state of a rollback that stopped half way: what is there, and that running it again goes on. */
export const goOn = (what: string): string => `${what}; run \`synapse-upgrade rollback\` to go on`;

/** Runs one rollback command as step `id`; on failure, `failure` says what failed and `state` where the server is. */
export async function runRollbackCommand(
  ctx: RollbackContext,
  id: StepId,
  spec: CommandSpec,
  { failure, state }: { failure: string; state: string },
): Promise<void> {
  await ctx.tracker.start(id, spec);
  const result = await ctx.runner.run(spec);
  if (result.exitCode !== 0) {
    throw new AdminError(`${failure} (exit ${result.exitCode}):\n${outputTail(result.tail, 6)}`, {
      serverState: state,
      nextStep: `Read ${ctx.transcriptPath}; then run \`synapse-upgrade rollback\` again to continue.`,
    });
  }
  await ctx.tracker.done(id, `${spec.title ?? spec.argv.join(' ')}: done`, { exitCode: 0 });
}

/**
 * The guide's config advice for the old version (shown, never written): given once the database is back, before
 * Synapse starts again (or, when it never stopped, before it is proven still there).
 */
export function adviseConfig(ctx: RollbackContext): void {
  for (const advice of ctx.plan.configAdvice) {
    ctx.deps.emit({ type: 'message', level: 'warn', text: `The upgrade guide asks for this config change after going back: ${advice}` });
    ctx.lines.push(`To do by hand (from the upgrade guide): ${advice.split('\n')[0]}`);
  }
}
