import path from 'node:path';
import { stringify } from 'yaml';

/** What goes into a stand-in install's homeserver.yaml. */
export interface StandinConfigOptions {
  root: string;
  serverName: string;
  port: number;
  bindAddresses: string[];
  migrationSeconds?: number;
  /** Top-level keys merged over the generated ones; `x_standin` is merged key by key. */
  extraConfig?: Record<string, unknown>;
}

/** The pip layout of docs/setup/installation.md, all inside `root`. */
export function standinPaths(root: string, serverName: string) {
  return {
    venv: path.join(root, 'env'),
    configPath: path.join(root, 'homeserver.yaml'),
    logConfigPath: path.join(root, `${serverName}.log.config`),
    logPath: path.join(root, 'homeserver.log'),
    pidFile: path.join(root, 'homeserver.pid'),
    dbPath: path.join(root, 'homeserver.db'),
    mediaStore: path.join(root, 'media_store'),
  };
}

/** A plain scalar when that is unambiguous, else a JSON (= YAML double-quoted) string. */
function scalar(value: string): string {
  return /^[\w./@+-]+$/.test(value) && !/^[-.+]/.test(value) && !/^(true|false|null|yes|no|on|off|~|[\d.+-]+)$/i.test(value) ? value : JSON.stringify(value);
}

const quoted = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** homeserver.yaml in the shape `generate_config` writes (flow lists, 2-space indent). */
export function renderHomeserverYaml(o: StandinConfigOptions): string {
  const p = standinPaths(o.root, o.serverName);
  const extra = { ...(o.extraConfig ?? {}) };
  const knobs = {
    ...(o.migrationSeconds !== undefined ? { migration_seconds: o.migrationSeconds } : {}),
    ...((extra.x_standin as Record<string, unknown> | undefined) ?? {}),
  };
  delete extra.x_standin;
  const generated: [string, string][] = [
    ['server_name', `server_name: ${JSON.stringify(o.serverName)}\n`],
    ['pid_file', `pid_file: ${scalar(p.pidFile)}\n`],
    [
      'listeners',
      'listeners:\n' +
        `  - port: ${o.port}\n    tls: false\n    type: http\n    x_forwarded: true\n` +
        `    bind_addresses: [${o.bindAddresses.map(quoted).join(', ')}]\n` +
        '    resources:\n      - names: [client, federation]\n        compress: false\n',
    ],
    ['database', `database:\n  name: sqlite3\n  args:\n    database: ${scalar(p.dbPath)}\n`],
    ['log_config', `log_config: ${JSON.stringify(p.logConfigPath)}\n`],
    ['media_store_path', `media_store_path: ${scalar(p.mediaStore)}\n`],
    ['report_stats', 'report_stats: false\n'],
  ];
  let out =
    '# Configuration file for the stand-in Synapse (synapse-upgrade tests and demo sandbox).\n' +
    '# Laid out like a pip install: see docs/setup/installation.md.\n\n';
  for (const [key, text] of generated) {
    out += key in extra ? stringify({ [key]: extra[key] }) : text;
  }
  const done = new Set(generated.map(([key]) => key));
  for (const [key, value] of Object.entries(extra)) {
    if (!done.has(key)) out += stringify({ [key]: value });
  }
  if (Object.keys(knobs).length > 0) {
    out += '\n# Stand-in knobs (ignored by real Synapse).\n' + stringify({ x_standin: knobs });
  }
  return out;
}

/** The log config `generate_config` writes, logging to `logPath`. */
export function renderLogConfig(logPath: string): string {
  return `version: 1

formatters:
    precise:
        format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s'

handlers:
    file:
        class: logging.handlers.TimedRotatingFileHandler
        formatter: precise
        filename: ${scalar(logPath)}
        when: midnight
        backupCount: 3  # Does not include the current log file.
        encoding: utf8

    # Default to buffering writes to log file for efficiency.
    buffer:
        class: synapse.logging.handlers.PeriodicallyFlushingMemoryHandler
        target: file
        capacity: 10
        flushLevel: 30  # Flush immediately for WARNING logs and higher
        period: 5

    console:
        class: logging.StreamHandler
        formatter: precise

loggers:
    synapse.storage.SQL:
        level: INFO

root:
    level: INFO
    handlers: [buffer]

disable_existing_loggers: false
`;
}
