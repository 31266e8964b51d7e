import type { CoverageReport } from './notes/coverage.js';
import type { StepId } from './steps.js';

/**
 * A choice the wizard needs from the admin. `safeDefault` is what `--yes` takes; none means `--yes` stops.
 * `T` is the type of the choices' values: asking returns one of them (see `Ask`).
 */
export interface Question<T extends string = string> {
  id: string;
  text: string;
  choices: { value: T; label: string }[];
  safeDefault?: NoInfer<T>;
  /** Extra lines shown above the choices (evidence, a plan, a note). */
  details?: string[];
}

export interface InstallSummary {
  method: string;
  serverName?: string;
  evidence: string[];
  installedVersion: string;
  runningVersion: string | undefined;
  configPaths: string[];
  url: string | undefined;
  venv?: string;
  /** A workers-only host (`--workers-only`): the main process's URL its version is read from. */
  workersOnly?: { mainUrl: string };
}

export type Outcome = 'upgraded' | 'already-current' | 'failed' | 'aborted' | 'dry-run' | 'interrupted' | 'abandoned' | 'rolled-back';

/** A worker checked over its own listener at the end of a session: it answered `version`. */
export interface VerifiedWorker {
  name: string;
  url: string;
  version: string;
}

/** How a session ended; the `result` event carries it (docs/json-events.md: the automation contract). */
export interface Result {
  outcome: Outcome;
  exitCode: number;
  from: string | undefined;
  to: string | undefined;
  totalMs: number;
  downtimeMs: number | undefined;
  /** The old version was put back (by the rollback after a failure, or by `synapse-upgrade rollback`) and proven serving. */
  rolledBack: boolean;
  /** The ids of the notes that stopped the session (refused under --yes, or stopped at by the admin); [] otherwise. */
  notesRefused: string[];
  /** A workers-only session: the workers that answered the target over their own listener (absent otherwise). */
  workersVerified?: VerifiedWorker[];
  lines: string[];
}

/** An upgrade note that applies or may apply to this server, as shown and as exported in a plan. */
export interface NoteEvent {
  id: string;
  version: string;
  title: string;
  severity: 'info' | 'action' | 'breaking';
  applies: 'yes' | 'no' | 'unknown';
  findings: { file: string | null; line: number | null; message: string }[];
  action: string;
}

/** Everything the wizard reports flows as these events to the Ink, plain and JSON renderers. */
export type WizardEvent =
  | { type: 'session.started'; sessionId: string; dryRun: boolean; stateDir: string; resumed?: boolean }
  | { type: 'detected'; install: InstallSummary }
  /** The steps a flow is about to go through, in order (the upgrade; a rollback appends its own). */
  | { type: 'steps'; steps: { id: StepId; title: string }[] }
  | { type: 'step.started'; step: StepId; title: string }
  | { type: 'step.finished'; step: StepId; status: 'done' | 'failed' | 'skipped'; summary?: string }
  | {
      type: 'command.started';
      id: number;
      argv: string[];
      cwd: string | undefined;
      title: string | undefined;
      dryRun: boolean;
      /** The user it runs as, and the names (never the values) of the variables it sets. */
      user?: string;
      envNames?: string[];
      /** The variables it sets, secret values shown as `***`. */
      env?: Record<string, string>;
    }
  | { type: 'command.output'; id: number; line: string }
  /**
   * The lines of one read of a command's output (the runner's `outputEvents: 'read'`): one event where a flood
   * would make thousands. The JSON stream writes each line as its own `command.output` object.
   */
  | { type: 'command.lines'; id: number; lines: readonly string[] }
  | { type: 'command.finished'; id: number; exitCode: number; durationMs: number }
  | { type: 'message'; level: 'info' | 'warn' | 'error'; text: string }
  /** The config fixes offered for the notes that apply: the diff (secrets masked) and the command that makes them by hand. */
  | { type: 'config.fixes'; notes: string[]; files: string[]; diff: string[]; command: string[] }
  | { type: 'note'; note: NoteEvent }
  /** What the notes data covers of the upgrade's range; beyond it, the target's own notes, unchecked. */
  | { type: 'notes.coverage'; coverage: CoverageReport }
  | { type: 'check'; name: string; status: 'pass' | 'warn' | 'fail'; evidence: string; probed: boolean }
  | { type: 'waiting'; elapsedMs: number; logLines: string[]; progress: string | undefined }
  | { type: 'question'; question: Question }
  | { type: 'answer'; questionId: string; value: string }
  | { type: 'result'; result: Result };

export type Emit = (event: WizardEvent) => void;
/** Asks a question; the answer is the value of one of its choices, typed as they are (`'yes' | 'no'`, a version). */
export type Ask = <T extends string>(question: Question<T>) => Promise<T>;
