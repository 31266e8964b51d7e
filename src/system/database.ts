import { execa } from 'execa';
import type { DatabaseEngine } from '../core/notes/types.js';

/** A database connection that can only read: SQLite opened with mode=ro, PostgreSQL in a read-only transaction. */
export interface ReadOnlyDatabase {
  engine: DatabaseEngine;
  /** For messages: the file or host/dbname. Never the password. */
  where: string;
  query(sql: string): Promise<Record<string, unknown>[]>;
}

export interface RunSpec {
  file: string;
  args: string[];
  input?: string;
  /** Extra environment (secrets travel here, never in args). */
  env?: Record<string, string>;
}
export type QueryRunner = (spec: RunSpec) => Promise<{ exitCode: number; stdout: string; stderr: string }>;

export const execaRunner: QueryRunner = async (spec) => {
  const result = await execa(spec.file, spec.args, {
    reject: false,
    timeout: 120_000,
    env: spec.env,
    extendEnv: true,
    ...(spec.input === undefined ? { stdin: 'ignore' as const } : { input: spec.input }),
  });
  const failure = result.exitCode === undefined ? (result.shortMessage ?? 'could not run') : '';
  return { exitCode: result.exitCode ?? 127, stdout: String(result.stdout ?? ''), stderr: failure || String(result.stderr ?? '') };
};

const READ_ONLY = /^\s*(SELECT|WITH)\b/i;
function guard(sql: string): string {
  if (!READ_ONLY.test(sql)) throw new Error('only SELECT/WITH queries are run against the homeserver database');
  return sql.trim().replace(/;\s*$/, '');
}

/** The last error of a tool's stderr, with the indented hint lines psql prints under it ("Is the server running…"). */
const firstLine = (text: string): string => {
  const lines = text
    .trimEnd()
    .split('\n')
    .filter((l) => l.trim());
  let start = lines.length - 1;
  while (start > 0 && /^\s/.test(lines[start] ?? '')) start--;
  return (
    lines
      .slice(Math.max(start, 0))
      .map((l) => l.trim())
      .join(' ') || 'no output'
  );
};

/** Python: the database path in argv, the SQL on stdin, rows out as JSON. */
const SQLITE_SCRIPT = [
  'import json, sqlite3, sys, urllib.parse',
  "con = sqlite3.connect('file:' + urllib.parse.quote(sys.argv[1]) + '?mode=ro', uri=True)",
  "con.execute('PRAGMA query_only = ON')",
  'cur = con.execute(sys.stdin.read())',
  'cols = [d[0] for d in (cur.description or [])]',
  'json.dump([dict(zip(cols, row)) for row in cur.fetchall()], sys.stdout, default=str)',
].join('\n');

/** SQLite through the homeserver's own Python (its sqlite3 module is the library Synapse uses). */
export function sqliteDatabase(opts: { python: string; path: string; run?: QueryRunner }): ReadOnlyDatabase {
  const run = opts.run ?? execaRunner;
  return {
    engine: 'sqlite3',
    where: opts.path,
    async query(sql) {
      const result = await run({ file: opts.python, args: ['-I', '-c', SQLITE_SCRIPT, opts.path], input: guard(sql) });
      if (result.exitCode !== 0) throw new Error(`sqlite query failed: ${firstLine(result.stderr)}`);
      return JSON.parse(result.stdout) as Record<string, unknown>[];
    },
  };
}

/** The argv and environment for psql; exported so the password's absence from argv can be tested. */
export function psqlCommand(psql: string, args: Record<string, unknown>, sql: string): RunSpec {
  const text = (key: string): string | undefined => (args[key] === undefined || args[key] === null ? undefined : String(args[key]));
  const argv = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1'];
  const host = text('host');
  const port = text('port');
  const user = text('user');
  const dbname = text('dbname') ?? text('database');
  if (host) argv.push('-h', host);
  if (port) argv.push('-p', port);
  if (user) argv.push('-U', user);
  if (dbname) argv.push('-d', dbname);
  argv.push('-c', `SELECT coalesce(json_agg(t), '[]'::json) FROM (${guard(sql)}) AS t;`);
  const env: Record<string, string> = { PGOPTIONS: '-c default_transaction_read_only=on', PGCONNECT_TIMEOUT: '10' };
  const password = text('password');
  if (password) env.PGPASSWORD = password;
  const sslmode = text('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return { file: psql, args: argv, env };
}

/** PostgreSQL through psql, with the host/port/user/dbname of homeserver.yaml's database.args. */
export function postgresDatabase(opts: { args: Record<string, unknown>; psql?: string; run?: QueryRunner }): ReadOnlyDatabase {
  const run = opts.run ?? execaRunner;
  const where = `${String(opts.args.host ?? 'localhost')}/${String(opts.args.dbname ?? opts.args.database ?? '')}`;
  return {
    engine: 'psycopg2',
    where,
    async query(sql) {
      const result = await run(psqlCommand(opts.psql ?? 'psql', opts.args, sql));
      if (result.exitCode !== 0) throw new Error(`psql query failed: ${firstLine(result.stderr)}`);
      return JSON.parse(result.stdout.trim() || '[]') as Record<string, unknown>[];
    },
  };
}

/**
 * The database homeserver.yaml describes (`database:` or the legacy `database_path`), or why it cannot be used.
 * `python` is needed for SQLite; relative SQLite paths resolve against `baseDir`.
 */
export function databaseFromConfig(
  values: Record<string, unknown>,
  opts: { python?: string; psql?: string; run?: QueryRunner; baseDir?: string },
): ReadOnlyDatabase | { error: string } {
  if (values.databases !== undefined) return { error: 'sharded "databases:" configs are not supported for checks' };
  const db = (values.database ?? {}) as Record<string, unknown>;
  const args = (db.args ?? {}) as Record<string, unknown>;
  const name = db.name ?? 'sqlite3';
  if (name === 'psycopg2') return postgresDatabase({ args, ...(opts.psql ? { psql: opts.psql } : {}), ...(opts.run ? { run: opts.run } : {}) });
  if (name !== 'sqlite3') return { error: `database.name "${String(name)}" is not sqlite3 or psycopg2` };
  const path = args.database ?? values.database_path;
  if (typeof path !== 'string' || path === '') return { error: 'no SQLite database path in the config (database.args.database)' };
  if (!opts.python) return { error: "reading SQLite needs the homeserver's Python interpreter" };
  const full = path.startsWith('/') || !opts.baseDir ? path : `${opts.baseDir}/${path}`;
  return sqliteDatabase({ python: opts.python, path: full, ...(opts.run ? { run: opts.run } : {}) });
}

/** PostgreSQL's server_version_num (140005) as a dotted version ("14.5"; "9.6.24" before 10). */
export function postgresVersionFromNum(num: number): string {
  const major = Math.floor(num / 10000);
  return major >= 10 ? `${major}.${num % 10000}` : `${major}.${Math.floor(num / 100) % 100}.${num % 100}`;
}

/** The Python and SQLite library versions of the homeserver's interpreter (the ones Synapse checks). */
export async function probePythonRuntime(python: string, run: QueryRunner = execaRunner): Promise<{ python: string; sqlite: string } | { error: string }> {
  const script = 'import json, sqlite3, sys\nprint(json.dumps({"python": "%d.%d.%d" % tuple(sys.version_info[:3]), "sqlite": sqlite3.sqlite_version}))';
  const result = await run({ file: python, args: ['-I', '-c', script] });
  if (result.exitCode !== 0) return { error: `${python} could not be run: ${firstLine(result.stderr)}` };
  try {
    return JSON.parse(result.stdout) as { python: string; sqlite: string };
  } catch {
    return { error: `${python} printed something unexpected` };
  }
}
