// Preflight, backup, verify and restore against a real PostgreSQL cluster started by the test.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, test } from 'node:test';
import type { WizardEvent } from '../../src/core/events.js';
import { platformChecks } from '../../src/core/preflight.js';
import { planRollback } from '../../src/core/rollback-plan.js';
import {
  databaseInfo,
  readCompat,
  readDatabaseBytes,
  readPendingBackgroundUpdates,
  readPostgresVersion,
  type DatabaseInfo,
} from '../../src/engine/database-info.js';
import { takeBackup } from '../../src/engine/steps/backup.js';
import { pgExecCommand, pgRestoreCommand, pgRestoreToSqlCommand } from '../../src/system/backup-postgres.js';
import { postgresVersionFromNum } from '../../src/system/database.js';
import { createRunner } from '../../src/system/runner.js';
import { loadReleaseData } from '../../src/system/release-data.js';
import { openTranscript } from '../../src/system/transcript.js';
import { createStandinInstall, freePort } from '../../src/demo/standin.js';
import { runCli, wizardEnv } from '../helpers/cli.js';
import { createSynapseDatabase, needPostgres, startPostgres, type PgCluster } from '../helpers/postgres.js';

const PASSWORD = 'pw-Zq81-not-in-argv';
const DB = { user: 'synapse_user', password: PASSWORD, db: 'synapse' };
let cluster: PgCluster | undefined;
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'su-pgtest-'));
});
after(async () => {
  await cluster?.stop();
  await rm(work, { recursive: true, force: true });
});

async function ensureCluster(t: Parameters<typeof needPostgres>[0]): Promise<PgCluster | undefined> {
  const bin = needPostgres(t);
  if (!bin) return undefined;
  if (!cluster) {
    cluster = await startPostgres(bin);
    await createSynapseDatabase(cluster, { ...DB, compat: 60, schema: 65, rows: 20_000 });
  }
  return cluster;
}

/** homeserver.yaml's database section as a picture for databaseInfo(). */
function info(args: Record<string, unknown>): DatabaseInfo {
  const result = databaseInfo({
    config: { values: { database: { name: 'psycopg2', args } }, files: [{ path: join(work, 'homeserver.yaml') }] },
    install: { method: 'pip', python: 'python3' },
  } as unknown as Parameters<typeof databaseInfo>[0]);
  if ('error' in result) throw new Error(result.error);
  return result;
}

const argsFor = (c: PgCluster, password = PASSWORD, port = c.port) => ({
  user: DB.user,
  password,
  dbname: DB.db,
  host: '127.0.0.1',
  port,
  cp_min: 5,
  cp_max: 10,
});

function runnerFor(name: string) {
  const transcript = openTranscript(join(work, `${name}.log`));
  const events: WizardEvent[] = [];
  const options = { dryRun: false, transcript, emit: (e: WizardEvent) => events.push(e), sessionDir: join(work, name) };
  return { runner: createRunner(options), transcript, events };
}

/** Every command line seen in /proc while `during` runs. */
async function watchCmdlines<T>(during: () => Promise<T>): Promise<{ value: T; seen: string[] }> {
  const seen = new Set<string>();
  let done = false;
  const poll = (async () => {
    while (!done) {
      for (const pid of await readdir('/proc').catch(() => [] as string[])) {
        if (!/^\d+$/.test(pid)) continue;
        const text = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (text) seen.add(text.split('\0').join(' '));
      }
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  try {
    return { value: await during(), seen: [...seen] };
  } finally {
    done = true;
    await poll;
  }
}

/**
 * Puts a recording `pg_dump` first on PATH while `during` runs: it appends its exact argv to a log, then execs the
 * real pg_dump. Polling /proc can miss a pg_dump that ends quickly on a busy machine; this log cannot.
 */
async function recordingPgDump<T>(during: () => Promise<T>): Promise<{ value: T; calls: string[] }> {
  const real = (process.env.PATH ?? '')
    .split(delimiter)
    .map((d) => join(d, 'pg_dump'))
    .find((p) => existsSync(p));
  if (!real) throw new Error('pg_dump is not on PATH');
  const bin = join(work, 'recording-bin');
  const log = join(work, 'pg_dump-argv.log');
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, 'pg_dump'), `#!/bin/sh\nprintf '%s\\n' "pg_dump $*" >> '${log}'\nexec '${real}' "$@"\n`);
  await chmod(join(bin, 'pg_dump'), 0o755);
  const path = process.env.PATH;
  process.env.PATH = `${bin}${delimiter}${path ?? ''}`;
  try {
    const value = await during();
    const text = await readFile(log, 'utf8').catch(() => '');
    return { value, calls: text.split('\n').filter(Boolean) };
  } finally {
    process.env.PATH = path;
  }
}

test('preflight facts over the config connection: server version, size, compat, background updates', async (t) => {
  const c = await ensureCluster(t);
  if (!c) return;
  const db = info(argsFor(c));
  const version = await readPostgresVersion(db.ro);
  assert.ok('num' in version, JSON.stringify(version));
  assert.ok(version.num >= 100000);
  const data = await loadReleaseData();
  const checks = platformChecks(
    data.platform,
    '1.157.1',
    { python: '3.11.0', postgresql: postgresVersionFromNum(version.num) },
    { engine: 'psycopg2', source: {} },
  );
  assert.equal(checks[1]?.status, version.num >= 140000 ? 'pass' : 'fail');
  assert.deepEqual(await readCompat(db.ro), { compat: 60 });
  assert.deepEqual(await readPendingBackgroundUpdates(db.ro), { names: [] });
  const size = await readDatabaseBytes(db);
  assert.ok('bytes' in size && size.bytes > 1_000_000, JSON.stringify(size));
});

test('wrong password and unreachable server: a clear sentence, never the password', async (t) => {
  const c = await ensureCluster(t);
  if (!c) return;
  const wrong = await readPostgresVersion(info(argsFor(c, 'not-the-password')).ro);
  assert.ok('error' in wrong);
  assert.match(wrong.error, /password authentication failed for user "synapse_user"/);
  const closed = await readPostgresVersion(info(argsFor(c, PASSWORD, 1)).ro);
  assert.ok('error' in closed);
  assert.match(closed.error, /Connection refused|could not connect/);

  const { runner, transcript } = runnerFor('wrong-pw');
  const dir = join(work, 'backups-wrong');
  await assert.rejects(
    takeBackup({ runner, python: 'python3', info: info(argsFor(c, 'not-the-password')), dir, version: '1.47.0', emit: () => {} }),
    (e: Error) => /The backup failed \(exit 1\): .*password authentication failed/.test(e.message) && !e.message.includes(PASSWORD),
  );
  await transcript.close();
  assert.deepEqual(await readdir(dir), [], 'no partial backup is left behind');
});

test('pg_dump -Fc backup: verified with pg_restore --list, checksum recorded, password only in the environment', async (t) => {
  const c = await ensureCluster(t);
  if (!c) return;
  const { runner, transcript, events } = runnerFor('backup');
  const dir = join(work, 'backups');
  const {
    value: { value: record, seen },
    calls: dumps,
  } = await recordingPgDump(() =>
    watchCmdlines(() => takeBackup({ runner, python: 'python3', info: info(argsFor(c)), dir, version: '1.47.0', emit: () => {} })),
  );
  await transcript.close();
  assert.ok(record);
  assert.equal(dumps.length, 1, `pg_dump ran once: ${dumps.join('\n')}`);
  assert.ok(
    dumps.some((l) => l.includes('-Fc') && l.includes('-U synapse_user') && l.includes('-d synapse')),
    dumps.join('\n'),
  );
  assert.deepEqual(
    dumps.filter((l) => l.includes(PASSWORD)),
    [],
    'the password is not in the argv pg_dump was given',
  );
  assert.deepEqual(
    seen.filter((l) => l.includes(PASSWORD)),
    [],
    'nor in any process command line seen meanwhile',
  );
  assert.ok(!(await readFile(transcript.path, 'utf8')).includes(PASSWORD), 'nor in the transcript');
  assert.ok(!JSON.stringify(events).includes(PASSWORD), 'nor in any event');
  assert.match(record.verified, /^pg_restore --list: \d+ entries, schema_version data included$/);
  assert.match(record.sha256, /^[0-9a-f]{64}$/);
  assert.ok(record.bytes > 10_000);
  assert.match(record.path, /homeserver-1\.47\.0-\d{8}T\d{6}Z\.dump$/);
  assert.ok(existsSync(record.path));

  // The newer version "migrates": a new table, raised compat, a user registered after the backup.
  await c.sql(
    "CREATE TABLE new_in_v2 (x INT); UPDATE schema_compat_version SET compat_version = 99; INSERT INTO users (name) VALUES ('@late:example.test')",
    DB,
  );
  const data = await loadReleaseData();
  const plan = planRollback({
    schema: data.schema,
    procedures: data.rollbacks,
    back: '1.47.0',
    current: '1.157.1',
    engine: 'psycopg2',
    dbCompat: 99,
    haveBackup: true,
  });
  assert.equal(plan.restore, true);

  const conn = info(argsFor(c)).pg!;
  const sqlFile = `${record.path}.restore.sql`;
  const { runner: r2, transcript: t2 } = runnerFor('restore');
  const { value: results, seen: seen2 } = await watchCmdlines(async () => [
    await r2.run(pgRestoreToSqlCommand(record.path, sqlFile)),
    await r2.run(pgRestoreCommand(conn, sqlFile)),
  ]);
  await t2.close();
  await rm(sqlFile, { force: true });
  assert.deepEqual(
    results.map((r) => r.exitCode),
    [0, 0],
    JSON.stringify(results.map((r) => r.tail)),
  );
  assert.deepEqual(
    seen2.filter((l) => l.includes(PASSWORD)),
    [],
  );
  assert.equal(await c.sql('SELECT compat_version FROM schema_compat_version', DB), '60');
  assert.equal(await c.sql("SELECT count(*) FROM pg_tables WHERE tablename = 'new_in_v2'", DB), '0');
  assert.equal(await c.sql("SELECT count(*) FROM users WHERE name = '@late:example.test'", DB), '0');
  assert.equal(await c.sql('SELECT count(*) FROM users', DB), '20000');
});

test("the guide's 1.26 → 1.25 rollback SQL runs on PostgreSQL (file names single-quoted), in one transaction", async (t) => {
  const c = await ensureCluster(t);
  if (!c) return;
  await c.superSql(`CREATE DATABASE old126 OWNER ${DB.user}`);
  const old = { ...DB, db: 'old126' };
  await c.sql(
    [
      "CREATE TABLE schema_version (lock CHAR(1) NOT NULL DEFAULT 'X' UNIQUE, version INTEGER NOT NULL, upgraded BOOL NOT NULL)",
      'INSERT INTO schema_version (version, upgraded) VALUES (59, true)',
      'CREATE TABLE applied_schema_deltas (version INTEGER NOT NULL, file TEXT NOT NULL)',
      "INSERT INTO applied_schema_deltas VALUES (59, '59/01ignored_user.py'), (59, '59/06chain_cover_index.sql'), (58, '58/keep.sql')",
      'CREATE TABLE ignored_users (x TEXT)',
      'CREATE TABLE rooms (room_id TEXT, has_auth_chain_index BOOL)',
      "INSERT INTO rooms VALUES ('!a:example.test', true)",
      'CREATE TABLE event_auth_chain_links (x INT)',
      'CREATE TABLE event_auth_chains (x INT)',
      'INSERT INTO event_auth_chains VALUES (1)',
    ].join('; '),
    old,
  );
  const data = await loadReleaseData();
  const plan = planRollback({
    schema: data.schema,
    procedures: data.rollbacks,
    back: '1.25.0',
    current: '1.26.0',
    engine: 'psycopg2',
    dbCompat: 59,
    haveBackup: false,
  });
  assert.equal(plan.restore, false);
  assert.equal(plan.blocked, undefined);
  const conn = info({ ...argsFor(c), dbname: 'old126' }).pg!;
  const { runner, transcript } = runnerFor('guide-sql');
  const result = await runner.run(
    pgExecCommand(
      conn,
      plan.sql.flatMap((s) => s.statements),
      'guide SQL',
    ),
  );
  await transcript.close();
  assert.equal(result.exitCode, 0, result.tail.join('\n'));
  assert.equal(await c.sql('SELECT version FROM schema_version', old), '58');
  assert.equal(await c.sql("SELECT string_agg(file, ',') FROM applied_schema_deltas", old), '58/keep.sql');
  assert.equal(await c.sql("SELECT count(*) FROM pg_tables WHERE tablename = 'ignored_users'", old), '0');
  assert.equal(await c.sql('SELECT count(*) FROM event_auth_chains', old), '0');
  assert.equal(await c.sql('SELECT has_auth_chain_index FROM rooms', old), 'f');
});

test('the wizard with a wrong database password, then an unreachable database: refused with a clear sentence, nothing changed', async (t) => {
  const c = await ensureCluster(t);
  if (!c) return;
  const root = await mkdtemp(join(work, 'hs-'));
  const database = { name: 'psycopg2', args: argsFor(c, 'wrong-Zq81-password') };
  const hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort(), extraConfig: { database } });
  const env = wizardEnv(hs.wheelhouse, join(root, 'state'));
  const run = await runCli(['--venv', hs.venv, '-c', hs.configPath, '--target', '1.47.0', '--yes'], env);
  assert.equal(run.exitCode, 4, run.stdout + run.stderr);
  assert.match(
    run.stdout,
    /fail: PostgreSQL version: PostgreSQL version unknown: cannot connect to synapse_user@127\.0\.0\.1:\d+\/synapse: .*password authentication failed for user "synapse_user"/,
  );
  assert.match(run.stdout, /Next: Check database\.args in homeserver\.yaml/);
  assert.ok(!run.stdout.includes('wrong-Zq81-password') && !run.stderr.includes('wrong-Zq81-password'), 'the password is never shown');
  await hs.writeConfig({ extraConfig: { database: { name: 'psycopg2', args: argsFor(c, PASSWORD, 1) } } });
  const closed = await runCli(['--venv', hs.venv, '-c', hs.configPath, '--target', '1.47.0', '--yes'], env);
  assert.equal(closed.exitCode, 4, closed.stdout + closed.stderr);
  assert.match(closed.stdout, /cannot connect to synapse_user@127\.0\.0\.1:1\/synapse: .*Connection refused/);
  const { stdout } = await (await import('execa')).execa(hs.bin('python'), ['-c', "from importlib.metadata import version; print(version('matrix-synapse'))"]);
  assert.equal(stdout.trim(), '1.46.0');
});
