import type { NoteFacts } from '../core/notes/types.js';
import type { Install } from '../methods/types.js';
import { postgresVersionFromNum } from '../system/database.js';
import { readPostgresVersion } from './database-info.js';
import { managerEvidence } from '../methods/restart/index.js';
import type { ServerPicture } from './inspect.js';
import { realSystem, type SystemHelpers } from './system-helpers.js';

/**
 * What detection and the preflight probes know that decides notes without reading the config: workers,
 * the restart manager, and the Python, SQLite and PostgreSQL versions (read the same way the preflight
 * reads them). Read-only; a probe that fails leaves its fact out (notes then say "unknown").
 */
export interface ServerNoteContext {
  workers: { present: boolean; evidence: string };
  restart: NonNullable<NoteFacts['restart']>;
  platform: NonNullable<NoteFacts['platform']>;
  platformSources: NonNullable<NoteFacts['platformSources']>;
  warnings: string[];
}

/** Where detection looks for workers, for the evidence of "no workers". */
const WORKER_PLACES = 'systemd worker units, a workers/ folder next to the config, running worker processes and instance_map';

export function workersFact(install: Pick<Install, 'workers'>): ServerNoteContext['workers'] {
  const found = install.workers;
  if (!found.length) return { present: false, evidence: `detection found no worker (looked at ${WORKER_PLACES})` };
  return { present: true, evidence: `detection found ${found.length} worker(s): ${found.map((w) => `${w.name} (${w.from})`).join('; ')}` };
}

export function restartFact(install: Pick<Install, 'restart'>): ServerNoteContext['restart'] {
  return { kind: install.restart.kind, evidence: managerEvidence(install) };
}

export async function serverNoteContext(picture: Pick<ServerPicture, 'install' | 'config'>, system: SystemHelpers = realSystem): Promise<ServerNoteContext> {
  const { install } = picture;
  const warnings: string[] = [];
  const platform: ServerNoteContext['platform'] = {};
  const platformSources: ServerNoteContext['platformSources'] = {};
  let python = install.pythonVersion;
  let sqlite = install.sqliteVersion;
  if (install.python && (!python || !sqlite)) {
    const runtime = await system.database.pythonRuntime(install.python);
    if ('error' in runtime) warnings.push(`The Python and SQLite versions could not be read, so platform notes may be unknown: ${runtime.error}`);
    else ({ python, sqlite } = runtime);
  }
  const by = install.python ?? `the ${install.method} install`;
  if (python) [platform.python, platformSources.python] = [python, by];
  if (sqlite) [platform.sqlite, platformSources.sqlite] = [sqlite, `the sqlite3 module of ${by}`];
  const info = system.database.info(picture);
  if (!('error' in info) && info.engine === 'psycopg2') {
    const version = await readPostgresVersion(info.ro);
    if ('error' in version) warnings.push(`The PostgreSQL version could not be read at ${info.where}, so PostgreSQL notes may be unknown: ${version.error}`);
    else [platform.postgresql, platformSources.postgresql] = [postgresVersionFromNum(version.num), `server_version_num ${version.num} at ${info.where}`];
  }
  return { workers: workersFact(install), restart: restartFact(install), platform, platformSources, warnings };
}
