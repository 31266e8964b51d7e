import { dirname, isAbsolute, join } from 'node:path';
import { databaseFromConfig, type ReadOnlyDatabase } from '../system/database.js';
import { sqliteFilesSize } from '../system/disk.js';
import { pgConnection, type PgConnection } from '../system/pg-connection.js';
import type { ServerPicture } from './inspect.js';
import { hostViewOf } from '../methods/registry.js';

/** The homeserver's database as the preflight, the backup and the rollback see it. */
export interface DatabaseInfo {
  engine: 'sqlite3' | 'psycopg2';
  /** Read-only queries (SQLite through the venv's Python, PostgreSQL through psql). */
  ro: ReadOnlyDatabase;
  /** SQLite: the database file. */
  sqlitePath?: string;
  /** PostgreSQL: the connection settings of homeserver.yaml. */
  pg?: PgConnection;
  where: string;
}

export function databaseInfo(picture: Pick<ServerPicture, 'config' | 'install'>): DatabaseInfo | { error: string } {
  // The database file as this host sees it (Docker: through the container's mounts).
  const host = hostViewOf(picture.install);
  const values = host.databaseValues(picture.config.values);
  const baseDir = dirname(picture.config.files[0]?.path ?? '.');
  const ro = databaseFromConfig(values, { python: host.python, baseDir });
  if ('error' in ro) return ro;
  const db = (values.database ?? {}) as Record<string, unknown>;
  const args = (db.args ?? {}) as Record<string, unknown>;
  if (ro.engine === 'psycopg2') {
    const pg = pgConnection(args);
    return { engine: 'psycopg2', ro, pg, where: pg.where };
  }
  const raw = String(args.database ?? values.database_path);
  const sqlitePath = isAbsolute(raw) ? raw : join(baseDir, raw);
  return { engine: 'sqlite3', ro, sqlitePath, where: sqlitePath };
}

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error)).replace(/^(psql|sqlite) query failed: /, '');

/** schema_compat_version (before v1.37 databases may only have schema_version, which then is the compat version). */
export async function readCompat(db: ReadOnlyDatabase): Promise<{ compat: number } | { error: string }> {
  try {
    const rows = await db.query('SELECT compat_version FROM schema_compat_version');
    if (rows[0]) return { compat: Number(rows[0].compat_version) };
  } catch {
    // fall through to schema_version
  }
  try {
    const rows = await db.query('SELECT version FROM schema_version');
    if (rows[0]) return { compat: Number(rows[0].version) };
    return { error: 'schema_version is empty' };
  } catch (error) {
    return { error: reason(error) };
  }
}

/** schema_version.version: the schema the newest process that ran on the database migrated it to. */
export async function readSchemaVersion(db: ReadOnlyDatabase): Promise<number | undefined> {
  try {
    const rows = await db.query('SELECT version FROM schema_version');
    const version = Number(rows[0]?.version);
    return Number.isInteger(version) ? version : undefined;
  } catch {
    return undefined;
  }
}

export async function readPendingBackgroundUpdates(db: ReadOnlyDatabase): Promise<{ names: string[] } | { error: string }> {
  try {
    const rows = await db.query('SELECT update_name FROM background_updates ORDER BY ordering, update_name');
    return { names: rows.map((r) => String(r.update_name)) };
  } catch (error) {
    return { error: reason(error) };
  }
}

export async function readDatabaseBytes(info: DatabaseInfo): Promise<{ bytes: number } | { error: string }> {
  if (info.sqlitePath) return { bytes: await sqliteFilesSize(info.sqlitePath) };
  try {
    const rows = await info.ro.query('SELECT pg_database_size(current_database()) AS bytes');
    return { bytes: Number(rows[0]?.bytes) };
  } catch (error) {
    return { error: reason(error) };
  }
}

export async function readPostgresVersion(db: ReadOnlyDatabase): Promise<{ num: number } | { error: string }> {
  try {
    const rows = await db.query("SELECT current_setting('server_version_num') AS num");
    return { num: Number(rows[0]?.num) };
  } catch (error) {
    return { error: reason(error) };
  }
}
