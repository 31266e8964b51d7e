/** Exit codes are a contract with scripts and fleet tools (see docs/json-events.md). */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  interrupted: 3,
  refused: 4,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error worded for the admin: what happened, what state the server is in,
 * and what to do next. Everything the wizard reports goes through this shape.
 */
export class AdminError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly serverState: string | undefined;
  readonly nextStep: string | undefined;
  /** A stable name for errors the wizard reacts to (e.g. `no-install`). */
  readonly code: string | undefined;
  /** The ids of the upgrade notes that caused this refusal (the result's `notesRefused`). */
  readonly notes: string[] | undefined;

  constructor(
    message: string,
    opts: { exitCode?: ExitCodeValue; serverState?: string; nextStep?: string; code?: string; cause?: unknown; notes?: string[] } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AdminError';
    this.exitCode = opts.exitCode ?? ExitCode.failed;
    this.serverState = opts.serverState;
    this.nextStep = opts.nextStep;
    this.code = opts.code;
    this.notes = opts.notes;
  }
}

export const usageError = (message: string, nextStep?: string): AdminError =>
  new AdminError(message, { exitCode: ExitCode.usage, ...(nextStep ? { nextStep } : {}) });

/** The lines shown for any error, the same on every renderer. */
export function describeError(error: unknown): string[] {
  if (error instanceof AdminError) {
    const lines = [error.message];
    if (error.serverState) lines.push(`Server state: ${error.serverState}`);
    if (error.nextStep) lines.push(`Next: ${error.nextStep}`);
    return lines;
  }
  const message = error instanceof Error ? error.message : String(error);
  return [`Unexpected error: ${message}`, 'This is a bug in synapse-upgrade; the transcript in the state folder has the details.'];
}
