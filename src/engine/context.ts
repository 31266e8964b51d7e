import type { Ask, Emit } from '../core/events.js';
import type { StepDescription } from '../core/steps.js';
import type { TargetDecision } from '../core/target.js';
import type { Runner } from '../system/runner.js';
import type { InstallMethod, MethodName, MethodPlan } from '../methods/types.js';
import type { ServerPicture } from './inspect.js';
import type { StepTracker } from './step-tracker.js';
import type { SystemHelpers } from './system-helpers.js';

export interface WizardOptions {
  /** `--method`: which kind of install to look for (pip, git, debian, docker). */
  method?: MethodName;
  /** `--container NAME`: the Docker container to upgrade. */
  container?: string;
  venv?: string;
  configPaths?: string[];
  target?: string;
  url?: string;
  /**
   * `--workers-only --main-url URL`: this host holds only workers. Their code goes to the version the main process
   * answers at `mainUrl` (never ahead of it), only the workers restart, and each is verified over its own listener.
   */
  workersOnly?: { mainUrl: string };
  stateDir?: string;
  yes: boolean;
  dryRun: boolean;
  pre: boolean;
  /** Note ids the admin accepted up front (`--accept-notes`). */
  acceptNotes?: string[];
  acceptAllNotes?: boolean;
  /** `--accept-unchecked-notes`: under --yes, go on past notes of releases steps/ does not cover. */
  acceptUncheckedNotes?: boolean;
  /** An unfinished session: 'ask' (default) shows it with Resume / Abandon; 'only' (`synapse-upgrade resume`) resumes it or says there is none. */
  resume?: 'ask' | 'only';
  /** Where database backups go (`--backup-dir`); default `backups/` in the state folder. */
  backupDir?: string;
  /** `--no-backup`: skip the backup, with a warning in the summary. */
  noBackup?: boolean;
  /** `--no-package-rollback`: upgrade a Debian package even when no copy of the installed one can be kept. */
  noPackageRollback?: boolean;
  /** `--apply-fixes`: under --yes, apply the mechanical config fixes of the notes that apply (default: skip them). */
  applyFixes?: boolean;
  /** The demo sandbox: an interruption stops it instead of leaving it to resume. */
  demo?: boolean;
}

export interface WizardDeps {
  emit: Emit;
  ask: Ask;
  /** Signals and the Ctrl+C question reach the session through this: detach (exit 3) or stop the command. */
  control?: import('./control.js').SessionControl;
  /** Offered when no install is found: returns options pointing at a demo sandbox, or nothing. */
  offerDemo?: (why: string) => Promise<Partial<WizardOptions> | undefined>;
}

/**
 * What the steps after target selection share. Each step reads what earlier steps left here
 * and adds its own findings; nothing else carries state between steps.
 */
export interface SessionContext {
  opts: WizardOptions;
  deps: WizardDeps;
  tracker: StepTracker;
  picture: ServerPicture;
  method: InstallMethod;
  runner: Runner;
  /**
   * The HTTP, disk and database helpers the steps read the server with (engine/system-helpers.ts), built once
   * by the wizard; a unit test passes fakes. Absent: the real ones.
   */
  system?: SystemHelpers;
  sessionDir: string;
  transcriptPath: string;
  from: string;
  decision: TargetDecision;
  /** Set by the restart step: when it began and the wait for Synapse that it started. */
  restart?: { startedAt: number; ready: Promise<import('./wait-ready.js').ReadyAnswer> | undefined };
  downtimeMs?: number;
  /** A resumed session whose restart command was launched before the interruption: when (ms), the outage's start. */
  restartBegan?: number;
  /** A resumed session: when the interrupted run saw Synapse stop answering (ms), if it did. */
  serverDownAt?: number;
  /** A resumed session: pids of the interrupted session's commands still running (and their supervisors), which it follows. */
  followed?: number[];
  /** Set by the preflight step: every check with its evidence. */
  preflight?: import('../core/preflight.js').PreflightCheck[];
  /** Set by the backup step: the verified backup a rollback can restore. */
  backup?: import('../system/backup.js').BackupRecord;
  /** Set by the prepare step: every command of the upgrade, from the install method. */
  plan?: MethodPlan;
  /** Set by the notes step when the admin accepts the config fixes: written by the config-fix step. */
  configFixes?: import('../core/fixes/types.js').FixPlan;
  /** A workers-only session: the workers that answered the target over their own listener (the result's workersVerified). */
  workersVerified?: import('../core/events.js').VerifiedWorker[];
  /** Lines the steps add to the final summary. */
  summary: string[];
}

/**
 * One step of the flow after the target is known: what it is (id, title, whether it changes the server, its
 * resume rule: core/steps.ts) and what it does. engine/flow.ts lists them in order; engine/run-flow.ts runs them.
 */
export interface FlowStep<C = SessionContext> extends StepDescription {
  run(ctx: C): Promise<void>;
}
