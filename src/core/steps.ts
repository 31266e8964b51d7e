/**
 * How a step is judged when an interrupted session is resumed, before it would run again (engine/resume-check.ts):
 * - `run-again`: read-only; run it again (cheap, and it sets up what later steps read);
 * - `answered`: the admin's word, recorded in the journal; not asked again once done;
 * - `finished`: changes the system; done when the journal says it finished;
 * - `backup-recorded`: a verified backup recorded in the journal (put back in the session for a rollback);
 * - `target-installed`: done when the target version is installed (checked on the system, never the journal alone);
 * - `target-answers`: done when Synapse answers the target over HTTP, or its restart finished and it still migrates.
 */
export type ResumeRule = 'run-again' | 'answered' | 'finished' | 'backup-recorded' | 'target-installed' | 'target-answers';

/** What every step is, apart from what it does: its title, whether it changes the server, its resume rule. */
export interface StepInfo {
  title: string;
  /** It changes the system (installs, restarts, restores): the state folder must have room for its journal first. */
  changesServer: boolean;
  resume: ResumeRule;
}

const info = (title: string, changesServer: boolean, resume: ResumeRule): StepInfo => ({ title, changesServer, resume });

/**
 * Every step a session can go through, by id. The order of a session is its flow's (engine/flow.ts for the
 * upgrade, engine/rollback.ts for a rollback); the screen draws the steps a flow announces (the `steps` event).
 */
const STEP_INFO = {
  detect: info('Find the Synapse install', false, 'run-again'),
  target: info('Choose the version to upgrade to', false, 'run-again'),
  notes: info('Read the upgrade notes that apply', false, 'answered'),
  prepare: info('Check what the install method needs and plan its commands', false, 'run-again'),
  preflight: info('Check the platform, disk, user and database', false, 'run-again'),
  confirm: info('Confirm the plan', false, 'answered'),
  backup: info('Back up the database', false, 'backup-recorded'),
  install: info('Install the new version', true, 'target-installed'),
  'config-check': info('Check the config with the new version', false, 'run-again'),
  restart: info('Restart Synapse', true, 'target-answers'),
  wait: info('Wait until Synapse answers', false, 'run-again'),
  verify: info('Verify the running version', false, 'run-again'),
  workers: info('Verify the workers', false, 'run-again'),
  'rollback-stop': info('Stop Synapse for the rollback', true, 'finished'),
  'rollback-install': info('Put the previous version back', true, 'finished'),
  'rollback-config': info('Put the config files back', true, 'finished'),
  'rollback-restore': info('Restore the database backup', true, 'finished'),
  'rollback-sql': info('Apply the schema rollback SQL', true, 'finished'),
  'rollback-restart': info('Start the previous version', true, 'finished'),
  'rollback-verify': info('Verify the previous version serves', false, 'run-again'),
} as const satisfies Record<string, StepInfo>;

export type StepId = keyof typeof STEP_INFO;

/**
 * Every step of an upgrade session, in order: detection and the target (run by engine/wizard.ts), then the
 * steps of engine/flow.ts's FLOW (test/engine/flow.test.ts holds the two to the same order). Here, apart from the
 * flow, so the screen can draw the list before the engine has loaded.
 */
export const UPGRADE_STEP_IDS: readonly StepId[] = [
  'detect',
  'target',
  'notes',
  'prepare',
  'preflight',
  'confirm',
  'backup',
  'install',
  'config-check',
  'restart',
  'wait',
  'verify',
  'workers',
];

/** A step as a flow carries it: its id and what it is. */
export interface StepDescription extends StepInfo {
  id: StepId;
}

export const describeStep = (id: StepId): StepDescription => ({ id, ...STEP_INFO[id] });

export const isStepId = (id: string): id is StepId => Object.hasOwn(STEP_INFO, id);

/** The step's title; an id this version does not know (a journal from a newer one) is shown as it is. */
export const stepTitle = (id: string): string => (isStepId(id) ? STEP_INFO[id].title : id);

export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';
