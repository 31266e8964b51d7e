import type { FlowStep } from './context.js';
import { backupStep } from './step-backup.js';
import { configCheckStep } from './step-config-check.js';
import { confirmStep } from './step-confirm.js';
import { installStep } from './step-install.js';
import { notesStep } from './step-notes.js';
import { preflightStep } from './step-preflight.js';
import { prepareStep } from './step-prepare.js';
import { restartStep, waitStep } from './step-restart.js';
import { verifyStep } from './step-verify.js';
import { workersStep } from './step-workers.js';

/**
 * The steps after the target is chosen, in order. To add a step: give it an id in
 * core/steps.ts, write a FlowStep in its own file, and put it here.
 */
export const FLOW: readonly FlowStep[] = [notesStep, prepareStep, preflightStep, confirmStep, backupStep, installStep, configCheckStep, restartStep, waitStep, verifyStep, workersStep];
