import type { FlowStep } from './context.js';
import { backupStep } from './steps/backup.js';
import { configCheckStep } from './steps/config-check.js';
import { confirmStep } from './steps/confirm.js';
import { installStep } from './steps/install.js';
import { notesStep } from './steps/notes.js';
import { preflightStep } from './steps/preflight.js';
import { prepareStep } from './steps/prepare.js';
import { restartStep, waitStep } from './steps/restart.js';
import { verifyStep } from './steps/verify.js';
import { workersStep } from './steps/workers.js';

/**
 * The steps after the target is chosen, in order. To add a step: describe it in core/steps.ts (title, whether it
 * changes the server, its resume rule, its place in UPGRADE_STEP_IDS), write a FlowStep in engine/steps/, and put
 * it here.
 */
export const FLOW: readonly FlowStep[] = [
  notesStep,
  prepareStep,
  preflightStep,
  confirmStep,
  backupStep,
  installStep,
  configCheckStep,
  restartStep,
  waitStep,
  verifyStep,
  workersStep,
];
