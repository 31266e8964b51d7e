import { dirname, isAbsolute, resolve } from 'node:path';
import { findMatches, loadHomeserverConfig, type HomeserverConfig } from '../config/homeserver-config.js';
import { lineOf, readYamlFile, type YamlFile } from '../config/yaml-file.js';
import type { ConfigSource, DatabaseEngine, NoteFacts, QueryDef, QueryOutcome, SourceSet } from '../core/notes/types.js';
import { postgresVersionFromNum, type ReadOnlyDatabase } from './database.js';

export interface GatherOptions {
  /** homeserver.yaml and conf.d paths, merged as Synapse merges them (ignored when `config` is given). */
  configPaths?: string[];
  config?: HomeserverConfig;
  /** Worker config files; undefined means "not known", so worker checks stay unknown. */
  workerConfigPaths?: string[];
  /**
   * The folder the homeserver starts in. Synapse resolves a relative log_config and app service paths with
   * os.path.abspath, i.e. against it; without it they resolve against the folder of the file naming them.
   */
  workingDir?: string;
  /** A path the homeserver names as this host sees it (Docker: through the container's mounts); undefined keeps it. */
  hostPath?: (path: string) => string | undefined;
  /** Workers known to run whose config could not be found: worker checks stay unknown for them. */
  workersWithoutConfig?: { name: string; from: string }[];
  installMethod?: string;
  platform?: NoteFacts['platform'];
  /** Where each platform version was read. */
  platformSources?: NoteFacts['platformSources'];
  /** What detection found about workers: decides `hasWorkers` (its evidence is shown with the verdicts). */
  workers?: { present: boolean; evidence: string };
  /** What restarts Synapse. */
  restart?: NoteFacts['restart'];
  /** When given, the `queries` are run on it (read-only) and their rows become facts. */
  database?: ReadOnlyDatabase;
  queries?: readonly QueryDef[];
}

export interface GatheredFacts {
  facts: NoteFacts;
  /** Why some facts are missing, worded for the admin. */
  warnings: string[];
}

/** A parsed YAML file as a check source: pattern matches with their file and line. */
export function yamlSource(file: YamlFile): ConfigSource {
  return {
    file: file.path,
    find: (pattern) => findMatches(file.value, pattern.split('.')).map((m) => ({ ...m, file: file.path, line: lineOf(file, m.path) })),
  };
}

export function configSource(config: HomeserverConfig): ConfigSource {
  return { file: config.files[0]?.path ?? config.paths[0] ?? 'homeserver.yaml', find: (pattern) => config.find(pattern) };
}

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function readSet(paths: readonly string[], what: string, warnings: string[]): Promise<SourceSet> {
  const set: SourceSet = { sources: [], unreadable: [] };
  for (const path of paths) {
    try {
      set.sources.push(yamlSource(await readYamlFile(path)));
    } catch (error) {
      set.unreadable.push({ file: path, reason: reasonOf(error) });
      warnings.push(`The ${what} ${path} could not be read, so checks on it are unknown: ${reasonOf(error)}`);
    }
  }
  return set;
}

/** A path named in the config: against the start folder when known (as Synapse does), else the folder of the file that names it. */
function namedPath(config: HomeserverConfig, topKey: string, value: string, workingDir?: string): string {
  if (isAbsolute(value)) return value;
  if (workingDir) return resolve(workingDir, value);
  const owner = config.fileFor(topKey)?.path ?? config.paths[0] ?? '.';
  return resolve(dirname(owner), value);
}

export function databaseEngineOf(config: HomeserverConfig): DatabaseEngine | undefined {
  const name = config.get('database.name') ?? (config.get('database') === undefined && config.get('databases') === undefined ? 'sqlite3' : undefined);
  return name === 'sqlite3' || name === 'psycopg2' ? name : undefined;
}

/** Signs of workers in the shared config; undefined when there is no evidence either way. */
function workerEvidence(config: HomeserverConfig): boolean | undefined {
  const instances = config.get('instance_map');
  if (instances && typeof instances === 'object' && Object.keys(instances).some((k) => k !== 'main')) return true;
  const writers = config.get('stream_writers');
  if (writers && typeof writers === 'object' && Object.keys(writers).length > 0) return true;
  return undefined;
}

/** Reads everything the note checks need. Nothing here writes; every failure becomes a warning and an unknown. */
export async function gatherNoteFacts(opts: GatherOptions): Promise<GatheredFacts> {
  const warnings: string[] = [];
  const facts: NoteFacts = {};
  if (opts.installMethod) facts.installMethod = opts.installMethod;
  if (opts.platform) facts.platform = { ...opts.platform };
  if (opts.platformSources) facts.platformSources = { ...opts.platformSources };
  if (opts.restart) facts.restart = { ...opts.restart };
  let config = opts.config;
  if (!config && opts.configPaths?.length) {
    try {
      config = await loadHomeserverConfig(opts.configPaths);
    } catch (error) {
      facts.configProblem = reasonOf(error);
      warnings.push(`The config could not be read, so notes that depend on it are shown as unknown: ${reasonOf(error)}`);
    }
  } else if (!config) {
    facts.configProblem = 'no config was given (--config PATH)';
    warnings.push('No config was given (--config PATH): notes that depend on it are shown as unknown.');
  }
  if (config) {
    facts.config = configSource(config);
    const engine = databaseEngineOf(config);
    if (engine) facts.database = engine;
    const seen = (path: string): string => opts.hostPath?.(path) ?? path;
    const logConfig = config.get('log_config');
    facts.logConfig = await readSet(
      typeof logConfig === 'string' ? [seen(namedPath(config, 'log_config', logConfig, opts.workingDir))] : [],
      'log config',
      warnings,
    );
    const appServices = config.get('app_service_config_files');
    const asPaths = Array.isArray(appServices) ? appServices.filter((p): p is string => typeof p === 'string') : [];
    facts.appServices = await readSet(
      asPaths.map((p) => seen(namedPath(config, 'app_service_config_files', p, opts.workingDir))),
      'app service registration',
      warnings,
    );
    const evidence = workerEvidence(config);
    if (evidence !== undefined) facts.hasWorkers = evidence;
  }
  if (opts.workerConfigPaths) {
    facts.workerConfigs = await readSet(opts.workerConfigPaths, 'worker config', warnings);
    for (const w of opts.workersWithoutConfig ?? [])
      facts.workerConfigs.unreadable.push({ file: `worker ${w.name}`, reason: `no config file found (${w.from})` });
    // Each worker logs through its own worker_log_config: log config checks read those too.
    const workerLogs = facts.workerConfigs.sources.flatMap((source) =>
      source
        .find('worker_log_config')
        .flatMap((m) => (typeof m.value === 'string' ? [isAbsolute(m.value) ? m.value : resolve(opts.workingDir ?? dirname(m.file), m.value)] : [])),
    );
    if (workerLogs.length && facts.logConfig) {
      const more = await readSet([...new Set(workerLogs)], 'worker log config', warnings);
      facts.logConfig = {
        sources: [...(facts.logConfig?.sources ?? []), ...more.sources],
        unreadable: [...(facts.logConfig?.unreadable ?? []), ...more.unreadable],
      };
    }
    facts.hasWorkers = opts.workerConfigPaths.length > 0 || facts.hasWorkers === true;
  }
  if (opts.workers) {
    facts.hasWorkers = opts.workers.present;
    facts.workersEvidence = opts.workers.evidence;
  }
  if (opts.database && opts.queries?.length) await runQueries(opts.database, opts.queries, facts, warnings);
  return { facts, warnings };
}

async function runQueries(db: ReadOnlyDatabase, queries: readonly QueryDef[], facts: NoteFacts, warnings: string[]): Promise<void> {
  const outcomes: Record<string, QueryOutcome> = {};
  for (const query of queries) {
    const sql = query.sql[db.engine];
    if (!sql) continue;
    try {
      outcomes[query.id] = { rows: await db.query(sql) };
    } catch (error) {
      outcomes[query.id] = { error: reasonOf(error) };
      warnings.push(`The read-only query "${query.id}" on ${db.where} failed: ${reasonOf(error)}`);
    }
  }
  facts.queries = outcomes;
  const version = outcomes['postgres-server-version'];
  const num = version && 'rows' in version ? Number(version.rows[0]?.server_version_num) : NaN;
  if (Number.isFinite(num) && num > 0 && facts.platform?.postgresql === undefined) {
    facts.platform = { ...facts.platform, postgresql: postgresVersionFromNum(num) };
  }
}
