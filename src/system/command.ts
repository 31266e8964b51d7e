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
}

export interface CommandResult {
  exitCode: number;
  durationMs: number;
  /** The last lines of combined output (bounded), for error messages. */
  tail: string[];
}
