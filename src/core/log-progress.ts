const PROGRESS = [
  /Applying schema deltas for (v\d+)/,
  /Applying (?:engine-specific )?schema (\S+)/,
  /Running (\S+\.py:run_\w+)/,
  /Upgrading schema to (v\d+)/,
  /Schema now up to date/,
  /Synapse now listening on .*/,
  /Cannot use this database as it is too new.*/,
];

/** What the migration is doing, from the newest homeserver log line that says so. */
export function migrationProgress(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    for (const pattern of PROGRESS) {
      const match = pattern.exec(line);
      if (!match) continue;
      if (match[0].startsWith('Applying schema deltas')) return `migrating the database schema to ${match[1]}`;
      if (match[0].startsWith('Applying')) return `applying schema delta ${match[1]}`;
      if (match[0].startsWith('Running')) return `running schema script ${match[1]}`;
      if (match[0].startsWith('Upgrading')) return `upgrading the schema to ${match[1]}`;
      return match[0];
    }
  }
  return undefined;
}

const SYNAPSE_LINE = /^\d{4}-\d\d-\d\d (\d\d:\d\d:\d\d),\d+ - (\S+) - \d+ - ([A-Z]+) - \S+ - (.*)$/;

/**
 * A homeserver log line in Synapse's default format, shortened for a narrow screen:
 * `13:07:46 INFO prepare_database: Applying schema deltas for v66`. Other lines are kept as they are.
 */
export function shortLogLine(line: string): string {
  const match = SYNAPSE_LINE.exec(line);
  if (!match) return line;
  const [, time, logger = '', level, message] = match;
  return `${time} ${level} ${logger.split('.').at(-1)}: ${message}`;
}

/** The message of a Synapse log line (the whole line when it is not in Synapse's format). */
const logMessage = (line: string): string => SYNAPSE_LINE.exec(line)?.[4] ?? line;

const ATEXIT_START = /^Exception ignored in atexit callback: <function daemonize_process\.<locals>\.exit\b/;
const TRACEBACK_PART = /^(Traceback \(most recent call last\):|\s+File "|\s{2,}\S)/;

/** What replaces Synapse's shutdown traceback on Python 3.11 wherever log lines are shown. */
export const HARMLESS_SHUTDOWN_LINE =
  '(harmless) the stopping Synapse logged Python 3.11\'s "Exception ignored in atexit callback … SystemExit: 0": how its daemon exits, not an error';

/**
 * Synapse daemonized on Python 3.11 logs, at ERROR level, a traceback ending in `SystemExit: 0` every time it
 * stops. Each such block (from its "Exception ignored in atexit callback" line to `SystemExit: 0`) becomes one
 * line saying it is harmless, so an admin reading a log tail is not sent after it. Other lines are kept.
 */
export function labelHarmlessShutdown(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (ATEXIT_START.test(logMessage(line))) {
      let j = i + 1;
      while (j < lines.length && TRACEBACK_PART.test(logMessage(lines[j] ?? ''))) j++;
      if (j < lines.length && logMessage(lines[j] ?? '').trim() === 'SystemExit: 0') {
        out.push(HARMLESS_SHUTDOWN_LINE);
        i = j;
        continue;
      }
    }
    out.push(line);
  }
  return out;
}
