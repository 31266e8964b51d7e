import type { RollbackContext, RollbackStep } from './rollback-context.js';
import { rollbackConfigStep } from './steps/rollback-config.js';
import { rollbackInstallStep } from './steps/rollback-install.js';
import { rollbackRestartStep } from './steps/rollback-restart.js';
import { rollbackRestoreStep } from './steps/rollback-restore.js';
import { rollbackSqlStep } from './steps/rollback-sql.js';
import { rollbackStopStep } from './steps/rollback-stop.js';
import { rollbackVerifyStep } from './steps/rollback-verify.js';

/**
 * The steps of a rollback, in order (each described in core/steps.ts, run by engine/run-flow.ts like the upgrade's
 * FLOW). A rollback goes through those its plan needs (`needed`), decided before the first one starts.
 */
export const ROLLBACK_FLOW: readonly RollbackStep[] = [
  rollbackStopStep,
  rollbackInstallStep,
  rollbackConfigStep,
  rollbackRestoreStep,
  rollbackSqlStep,
  rollbackRestartStep,
  rollbackVerifyStep,
];

/** The rollback's steps for this context, and those of them the screen draws (announced before the first starts). */
export function rollbackFlowFor(ctx: RollbackContext): { flow: RollbackStep[]; drawn: RollbackStep[] } {
  const flow = ROLLBACK_FLOW.filter((step) => step.needed(ctx));
  return { flow, drawn: flow.filter((step) => step.drawn?.(ctx) ?? true) };
}
