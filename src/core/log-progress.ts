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
