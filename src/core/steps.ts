/** The steps of an upgrade session, in order. The state machine in session.ts moves through them. */
export const STEP_IDS = ['detect', 'target', 'notes', 'confirm', 'install', 'restart', 'wait', 'verify'] as const;
export type StepId = (typeof STEP_IDS)[number];

export const STEP_TITLES: Record<StepId, string> = {
  detect: 'Find the Synapse install',
  target: 'Choose the version to upgrade to',
  notes: 'Read the upgrade notes that apply',
  confirm: 'Confirm the plan',
  install: 'Install the new version',
  restart: 'Restart Synapse',
  wait: 'Wait until Synapse answers',
  verify: 'Verify the running version',
};

/** Steps that change the system; everything before them is read-only. */
export const MUTATING_STEPS: ReadonlySet<StepId> = new Set<StepId>(['install', 'restart']);

export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';
