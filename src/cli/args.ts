import { parseArgs } from 'node:util';
import { usageError } from '../core/errors.js';
import { nearestName } from '../core/nearest-name.js';
import { METHOD_NAMES } from '../methods/names.js';
import type { MethodName } from '../methods/types.js';

const parseMethod = (value: string): MethodName => {
  if (!(METHOD_NAMES as readonly string[]).includes(value))
    throw usageError(`--method ${value} is not an install method.`, `Use one of: ${METHOD_NAMES.join(', ')}.`);
  return value as MethodName;
};

/** A container name or id as Docker allows them (it reaches docker's argv, never a shell). */
const parseContainer = (value: string): string => {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/.test(value))
    throw usageError(`--container ${JSON.stringify(value).slice(1, -1)} is not a container name or id.`, 'Give the name or id that docker ps -a shows.');
  return value;
};

export const COMMANDS = ['wizard', 'detect', 'status', 'notes', 'plan', 'resume', 'rollback'] as const;
export type Command = (typeof COMMANDS)[number];

export interface CliOptions {
  command: Command;
  configPaths: string[];
  venv: string | undefined;
  /** `--method pip|git|debian|docker`: which kind of install to upgrade (detection asks otherwise). */
  method?: MethodName;
  /** `--container NAME`: the Docker container to upgrade (implies --method docker). */
  container?: string;
  target: string | undefined;
  url: string | undefined;
  /** `--workers-only`: this host holds only workers; their code goes to the version the main process runs (`--main-url`). */
  workersOnly: boolean;
  /** `--main-url URL`: the main process's base URL, read for its version by `--workers-only`. */
  mainUrl: string | undefined;
  stateDir: string | undefined;
  yes: boolean;
  dryRun: boolean;
  pre: boolean;
  json: boolean;
  demo: boolean;
  /** `plan --script FILE`. */
  script: string | undefined;
  acceptNotes: string[];
  acceptAllNotes: boolean;
  /** `--accept-unchecked-notes`: under --yes, go on past upgrade notes this tool could not check. */
  acceptUncheckedNotes: boolean;
  /** `--apply-fixes`: under --yes, apply the config fixes of the notes that apply. */
  applyFixes: boolean;
  /** `--backup-dir DIR`: where database backups go. */
  backupDir: string | undefined;
  /** `--no-backup`: skip the backup (a warning stays in the summary). */
  noBackup: boolean;
  /** `--no-package-rollback`: upgrade a Debian package even when no copy of the installed one can be kept. */
  noPackageRollback: boolean;
  help: boolean;
  version: boolean;
  /** Arguments left for a subcommand with its own parser (notes). */
  rest: string[];
}

const OPTIONS = {
  config: { type: 'string', short: 'c', multiple: true },
  venv: { type: 'string' },
  method: { type: 'string' },
  container: { type: 'string' },
  target: { type: 'string' },
  url: { type: 'string' },
  'workers-only': { type: 'boolean' },
  'main-url': { type: 'string' },
  'state-dir': { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  'dry-run': { type: 'boolean' },
  pre: { type: 'boolean' },
  json: { type: 'boolean' },
  demo: { type: 'boolean' },
  script: { type: 'string' },
  'accept-notes': { type: 'string', multiple: true },
  'accept-all-notes': { type: 'boolean' },
  'accept-unchecked-notes': { type: 'boolean' },
  'apply-fixes': { type: 'boolean' },
  'backup-dir': { type: 'string' },
  'no-backup': { type: 'boolean' },
  'no-package-rollback': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/** `--url`/`--main-url`: http(s) only, and never with a user or password in it (it would be echoed and kept in logs; Synapse needs none). */
function checkUrl(url: string, option = '--url'): void {
  // Whatever sits between `//` and the last `@` before the path is credentials: never shown.
  const shown = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (shown !== url || (parsed && (parsed.username || parsed.password))) {
    throw usageError(
      `${option} ${shown} has a user name or password in it; the wizard does not send credentials to Synapse and will not show or keep them.`,
      `Give the URL without user:password@ (for example ${option} http://127.0.0.1:8008).`,
    );
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol) || !/^https?:\/\/[^/]+/i.test(url)) throw usageError(`${option} ${shown} is not an http(s) URL.`);
}

/** Our own sentence for a mistyped or misused option, naming the nearest real option. */
function optionError(error: Error & { code?: string }): Error {
  const given = /^(?:Unknown option|Option) '(?:-\w, )?(-[^' ]+)/.exec(error.message)?.[1];
  const names = Object.entries(OPTIONS).flatMap(([name, o]) => [`--${name}`, ...('short' in o ? [`-${o.short}`] : [])]);
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && given) {
    const near = nearestName(
      given,
      names.filter((n) => n.startsWith('--') === given.startsWith('--')),
    );
    return usageError(
      `${given} is not an option of synapse-upgrade${near ? `; did you mean ${near}?` : '.'}`,
      `${near ? `Run it again with ${near}, or see` : 'See'} synapse-upgrade --help for every option.`,
    );
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && given) {
    const option = Object.entries(OPTIONS).find(([name, o]) => `--${name}` === given || ('short' in o && `-${o.short}` === given));
    return option?.[1].type === 'boolean'
      ? usageError(`${given} is a switch and takes no value.`, `Give ${given} alone; see synapse-upgrade --help.`)
      : usageError(`${given} needs a value.`, `Give it as ${given} VALUE; see synapse-upgrade --help.`);
  }
  return usageError(error.message.replace(/^TypeError \[\w+\]: /, ''), 'See synapse-upgrade --help.');
}

/** The commands that can run a workers-only session (the rollback and status of one read its journal). */
const WORKERS_ONLY_COMMANDS: readonly Command[] = ['wizard', 'plan', 'resume'];

/** `--workers-only` needs `--main-url` (and the reverse), on a command that upgrades, and not with a Docker container. */
function checkWorkersOnly(command: Command, v: { 'workers-only'?: boolean; 'main-url'?: string; container?: string; method?: string }): void {
  const workersOnly = v['workers-only'] === true;
  const mainUrl = v['main-url'];
  if (!workersOnly && mainUrl === undefined) return;
  if (!workersOnly)
    throw usageError(
      '--main-url is only used with --workers-only (a host that holds only workers).',
      'Add --workers-only on a workers-only host, or leave out --main-url (on the main host, --url is the listener to check).',
    );
  if (mainUrl === undefined)
    throw usageError(
      "--workers-only needs --main-url: the workers' code goes to the version the main process runs, read at its URL.",
      'Give the base URL of the main process, for example --workers-only --main-url http://10.0.0.1:8008.',
    );
  checkUrl(mainUrl, '--main-url');
  if (!WORKERS_ONLY_COMMANDS.includes(command))
    throw usageError(
      `--workers-only is not an option of synapse-upgrade ${command}.`,
      `Use it with the wizard, plan or resume${command === 'rollback' || command === 'status' ? `; ${command} finds a workers-only session in its journal` : ''}.`,
    );
  if (v.container !== undefined || v.method === 'docker')
    throw usageError(
      '--workers-only upgrades workers run from a virtualenv (pip, git or the Debian package), not a Docker container.',
      'Leave out --container and --method docker.',
    );
}

export function parseCli(argv: readonly string[]): CliOptions {
  const first = argv[0];
  const command: Command = first && (COMMANDS as readonly string[]).includes(first) ? (first as Command) : 'wizard';
  const args = command === 'wizard' || first !== command ? [...argv] : argv.slice(1);
  if (command === 'notes') return { ...defaults(), command, rest: args, help: args.includes('--help') || args.includes('-h') };
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw optionError(error as Error & { code?: string });
  }
  if (parsed.positionals.length) {
    throw usageError(`Unknown command "${parsed.positionals[0]}".`, `Commands: ${COMMANDS.filter((c) => c !== 'wizard').join(', ')}; see --help.`);
  }
  const v = parsed.values;
  if (v.url !== undefined) checkUrl(v.url);
  checkWorkersOnly(command, v);
  return {
    command,
    configPaths: v.config ?? [],
    venv: v.venv,
    ...(v.method ? { method: parseMethod(v.method) } : {}),
    ...(v.container !== undefined ? { container: parseContainer(v.container) } : {}),
    target: v.target,
    url: v.url,
    workersOnly: v['workers-only'] ?? false,
    mainUrl: v['main-url'],
    stateDir: v['state-dir'],
    yes: v.yes ?? false,
    dryRun: v['dry-run'] ?? false,
    pre: v.pre ?? false,
    json: v.json ?? false,
    demo: v.demo ?? false,
    script: v.script,
    acceptNotes: (v['accept-notes'] ?? [])
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter(Boolean),
    acceptAllNotes: v['accept-all-notes'] ?? false,
    acceptUncheckedNotes: v['accept-unchecked-notes'] ?? false,
    applyFixes: v['apply-fixes'] ?? false,
    backupDir: v['backup-dir'],
    noBackup: v['no-backup'] ?? false,
    noPackageRollback: v['no-package-rollback'] ?? false,
    help: v.help ?? false,
    version: v.version ?? false,
    rest: [],
  };
}

function defaults(): Omit<CliOptions, 'command'> {
  return {
    configPaths: [],
    venv: undefined,
    target: undefined,
    url: undefined,
    workersOnly: false,
    mainUrl: undefined,
    stateDir: undefined,
    yes: false,
    dryRun: false,
    pre: false,
    json: false,
    demo: false,
    script: undefined,
    acceptNotes: [],
    acceptAllNotes: false,
    acceptUncheckedNotes: false,
    applyFixes: false,
    backupDir: undefined,
    noBackup: false,
    noPackageRollback: false,
    help: false,
    version: false,
    rest: [],
  };
}
