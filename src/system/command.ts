/**
 * The shape of one command the wizard runs. Always an argv array: never a shell string.
 * Secrets travel only in `env`, and the names listed in `secretEnv` are masked wherever a
 * command is shown (screen, transcript, journal, plan).
 */
export interface CommandSpec {
  argv: readonly string[];
  cwd?: string;
  /** Extra environment for this command (merged over the wizard's own). */
  env?: Readonly<Record<string, string>>;
  /** Names in `env` whose values must never be shown. */
  secretEnv?: readonly string[];
  /** One line for the admin: what this command is for. */
  title?: string;
  /**
   * `session`: TMPDIR is the session's own temporary folder (system/session-tmp.ts), emptied when the command
   * ends; for tools that leave their temporary folders behind when killed (pip's `pip-*`).
   */
  tempDir?: 'session';
}

export interface CommandResult {
  exitCode: number;
  durationMs: number;
  /** The last lines of combined output (bounded), for error messages. */
  tail: string[];
}
