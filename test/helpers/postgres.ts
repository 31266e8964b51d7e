// A throw-away PostgreSQL cluster from Debian's packages, in a temp folder, on its own port, with its
// unix socket in that folder. As root, initdb and the server run as the `postgres` user (runuser).
import { missingTool } from './tools.js';
import { execa } from 'execa';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from '../../src/demo/standin.js';

export interface PgCluster {
  root: string;
  port: number;
  socketDir: string;
  bin: string;
  /** Runs SQL as the superuser over the unix socket; returns stdout (unaligned, tuples only). */
  superSql(sql: string, db?: string): Promise<string>;
  /** Runs SQL as `user` over TCP with a password in PGPASSWORD. */
  sql(sql: string, opts: { user: string; password: string; db: string }): Promise<string>;
  stop(): Promise<void>;
}

/** The newest /usr/lib/postgresql/N/bin with initdb and pg_ctl, or undefined. */
export function postgresBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(base, v, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl')) && existsSync(join(bin, 'pg_dump'))) return bin;
  }
  return undefined;
}

/** Skips when PostgreSQL is missing, unless SYNAPSE_UPGRADE_NO_SKIP is set (CI): then it fails. */
export function needPostgres(t: TestContext): string | undefined {
  const bin = postgresBin();
  if (bin) return bin;
  missingTool(t, 'PostgreSQL server binaries (/usr/lib/postgresql/N/bin) are missing: install the `postgresql` package');
  return undefined;
}

export async function startPostgres(bin: string): Promise<PgCluster> {
  const root = await mkdtemp(join(tmpdir(), 'su-pg-'));
  const port = await freePort();
  const isRoot = process.getuid?.() === 0;
  const pgUid = isRoot ? await uidOf('postgres') : undefined;
  if (isRoot && pgUid === undefined) throw new Error('running as root but there is no postgres user to run the server as');
  if (pgUid !== undefined) await chown(root, pgUid.uid, pgUid.gid);
  const as = (file: string, args: string[]) =>
    pgUid !== undefined ? execa('runuser', ['-u', 'postgres', '--', file, ...args], { cwd: root }) : execa(file, args, { cwd: root });
  const data = join(root, 'data');
  await as(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C']);
  await as(join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    join(root, 'server.log'),
    '-w',
    '-t',
    '60',
    '-o',
    `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`,
    'start',
  ]);
  const cluster: PgCluster = {
    root,
    port,
    socketDir: root,
    bin,
    async superSql(sql, db = 'postgres') {
      const r = await execa(join(bin, 'psql'), [
        '-X',
        '-q',
        '-A',
        '-t',
        '-v',
        'ON_ERROR_STOP=1',
        '-h',
        root,
        '-p',
        String(port),
        '-U',
        'postgres',
        '-d',
        db,
        '-c',
        sql,
      ]);
      return r.stdout;
    },
    async sql(sql, o) {
      const r = await execa(
        join(bin, 'psql'),
        ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', o.user, '-d', o.db, '-c', sql],
        { env: { PGPASSWORD: o.password } },
      );
      return r.stdout;
    },
    async stop() {
      await as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
  return cluster;
}

async function uidOf(user: string): Promise<{ uid: number; gid: number } | undefined> {
  const r = await execa('id', ['-u', user], { reject: false });
  const g = await execa('id', ['-g', user], { reject: false });
  if (r.exitCode !== 0) return undefined;
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/**
 * A database owned by a password-authenticated role, with Synapse's schema tables
 * (schema_version, schema_compat_version, background_updates, users) and some rows.
 */
export async function createSynapseDatabase(
  cluster: PgCluster,
  opts: { user: string; password: string; db: string; compat: number; schema: number; rows?: number },
): Promise<void> {
  await cluster.superSql(`CREATE ROLE ${opts.user} LOGIN PASSWORD '${opts.password}'`);
  await cluster.superSql(`CREATE DATABASE ${opts.db} OWNER ${opts.user} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
  await cluster.sql(
    [
      "CREATE TABLE schema_version (lock CHAR(1) NOT NULL DEFAULT 'X' UNIQUE, version INTEGER NOT NULL, upgraded BOOL NOT NULL, CHECK (lock='X'))",
      "CREATE TABLE schema_compat_version (lock CHAR(1) NOT NULL DEFAULT 'X' UNIQUE, compat_version INTEGER NOT NULL, CHECK (lock='X'))",
      'CREATE TABLE applied_schema_deltas (version INTEGER NOT NULL, file TEXT NOT NULL, UNIQUE(version, file))',
      'CREATE TABLE background_updates (update_name TEXT NOT NULL PRIMARY KEY, progress_json TEXT NOT NULL, depends_on TEXT, ordering INT NOT NULL DEFAULT 0)',
      'CREATE TABLE users (name TEXT PRIMARY KEY, password_hash TEXT, creation_ts BIGINT, admin SMALLINT DEFAULT 0 NOT NULL)',
      `INSERT INTO schema_version (version, upgraded) VALUES (${opts.schema}, true)`,
      `INSERT INTO schema_compat_version (compat_version) VALUES (${opts.compat})`,
      `INSERT INTO users (name, creation_ts) SELECT '@user' || g || ':example.test', g FROM generate_series(1, ${opts.rows ?? 1000}) AS g`,
    ].join('; '),
    opts,
  );
}
