// PostgreSQL for a real homeserver, as Synapse's docs (docs/postgres.md) set it up: a role that logs in with a
// password, a database it owns with UTF8 encoding and the C collation, and homeserver.yaml's `database:`
// section naming psycopg2 with host, port, user, password and dbname. The cluster itself is the suite's
// throw-away one (test/helpers/postgres.ts). The password goes to psql on standard input and to libpq as
// PGPASSWORD, never in an argv: the scenario samples every process's argv to prove the wizard does the same.
import { execa } from 'execa';
import { join } from 'node:path';
import type { PgCluster } from '../../helpers/postgres.js';
import { waitFor } from './homeserver.js';

export interface PgDatabase {
  user: string;
  password: string;
  dbname: string;
  host: string;
  port: number;
}

const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** Runs SQL as the cluster's superuser with the statements on standard input (nothing of them in argv). */
async function superSqlStdin(cluster: PgCluster, sql: string): Promise<void> {
  await execa(
    join(cluster.bin, 'psql'),
    ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres', '-d', 'postgres', '-f', '-'],
    { input: sql },
  );
}

/** The role and database of docs/postgres.md (`CREATE DATABASE synapse ENCODING 'UTF8' LC_COLLATE='C' ...`). */
export async function createSynapseRole(cluster: PgCluster, opts: { user: string; password: string; dbname: string }): Promise<PgDatabase> {
  await superSqlStdin(cluster, `CREATE ROLE ${opts.user} LOGIN PASSWORD ${literal(opts.password)};\n`);
  await superSqlStdin(cluster, `CREATE DATABASE ${opts.dbname} ENCODING 'UTF8' LC_COLLATE='C' LC_CTYPE='C' TEMPLATE=template0 OWNER ${opts.user};\n`);
  return { ...opts, host: '127.0.0.1', port: cluster.port };
}

/** homeserver.yaml with its generated SQLite `database:` section replaced by this PostgreSQL database. */
export function usePostgres(yaml: string, db: PgDatabase): string {
  const section = [
    'database:',
    '  name: psycopg2',
    '  args:',
    `    user: ${db.user}`,
    `    password: ${JSON.stringify(db.password)}`,
    `    dbname: ${db.dbname}`,
    `    host: ${db.host}`,
    `    port: ${db.port}`,
    '    cp_min: 1',
    '    cp_max: 5',
    '',
  ].join('\n');
  const replaced = yaml.replace(/^database:\n(?:[ \t]+.*\n)+/m, section);
  if (replaced === yaml) throw new Error('the generated homeserver.yaml has no database: section to replace');
  return replaced;
}

/** SQL as the Synapse role over TCP, the password in PGPASSWORD; rows unaligned, one a line. */
export async function dbSql(cluster: PgCluster, db: PgDatabase, sql: string): Promise<string> {
  return cluster.sql(sql, { user: db.user, password: db.password, db: db.dbname });
}

/** Waits until the fresh database's background updates are done (the preflight rightly refuses meanwhile). */
export async function waitForPgBackgroundUpdates(cluster: PgCluster, db: PgDatabase, timeoutMs = 180_000): Promise<void> {
  await waitFor(
    async () => (await dbSql(cluster, db, 'SELECT count(*) FROM background_updates').catch(() => 'x')).trim() === '0',
    timeoutMs,
    'background updates of the fresh database to finish',
    1000,
  );
}
