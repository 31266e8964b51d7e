/** The steps of an upgrade session, in order. The state machine in session.ts moves through them. */
export const STEP_IDS = ['detect', 'target', 'notes', 'prepare', 'preflight', 'confirm', 'backup', 'install', 'config-check', 'restart', 'wait', 'verify', 'workers'] as const;
/** The steps of a rollback (offered after a failure, or `synapse-upgrade rollback`), journalled like the others. */
export const ROLLBACK_STEP_IDS = ['rollback-stop', 'rollback-install', 'rollback-config', 'rollback-restore', 'rollback-sql', 'rollback-restart', 'rollback-verify'] as const;
export type StepId = (typeof STEP_IDS)[number] | (typeof ROLLBACK_STEP_IDS)[number];

export const STEP_TITLES: Record<StepId, string> = {
  detect: 'Find the Synapse install',
  target: 'Choose the version to upgrade to',
  notes: 'Read the upgrade notes that apply',
  preflight: 'Check the platform, disk, user and database',
  prepare: 'Check what the install method needs and plan its commands',
  confirm: 'Confirm the plan',
  backup: 'Back up the database',
  install: 'Install the new version',
  'config-check': 'Check the config with the new version',
  restart: 'Restart Synapse',
  wait: 'Wait until Synapse answers',
  verify: 'Verify the running version',
  workers: 'Verify the workers',
  'rollback-stop': 'Stop Synapse for the rollback',
  'rollback-install': 'Put the previous version back',
  'rollback-config': 'Put the config files back',
  'rollback-restore': 'Restore the database backup',
  'rollback-sql': 'Apply the schema rollback SQL',
  'rollback-restart': 'Start the previous version',
  'rollback-verify': 'Verify the previous version serves',
};

/** Steps that change the system; everything before them is read-only. */
export const MUTATING_STEPS: ReadonlySet<StepId> = new Set<StepId>(['install', 'restart', 'rollback-config', 'rollback-stop', 'rollback-install', 'rollback-restore', 'rollback-sql', 'rollback-restart']);

export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';
