import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { databaseFromConfig, postgresVersionFromNum, probePythonRuntime, psqlCommand, sqliteDatabase } from '../../src/system/database.js';
import { tempDir } from '../helpers/temp-dir.js';

/** A small homeserver-like SQLite database, made through python3 like the real one would be. */
async function makeSqliteDb(): Promise<string> {
  const path = join(await tempDir('su-db-'), 'homeserver.db');
  const sql = `
    CREATE TABLE schema_version (lock CHAR(1) NOT NULL DEFAULT 'X', version INTEGER NOT NULL, upgraded BOOL NOT NULL);
    INSERT INTO schema_version (version, upgraded) VALUES (65, 1);
    CREATE TABLE schema_compat_version (lock CHAR(1) NOT NULL DEFAULT 'X', compat_version INTEGER NOT NULL);
    INSERT INTO schema_compat_version (compat_version) VALUES (60);
    CREATE TABLE state_group_edges (state_group BIGINT NOT NULL, prev_state_group BIGINT NOT NULL);
    INSERT INTO state_group_edges VALUES (1, 0), (2, 1), (2, 1), (3, 2), (3, 2), (3, 2);
    CREATE TABLE rooms (room_id TEXT PRIMARY KEY, room_version TEXT);
    INSERT INTO rooms VALUES ('!a:x', '6'), ('!b:x', NULL);
    CREATE TABLE devices (user_id TEXT, device_id TEXT);
    CREATE TABLE background_updates (update_name TEXT NOT NULL, progress_json TEXT NOT NULL, depends_on TEXT);
  `;
  execFileSync('python3', ['-c', 'import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.executescript(sys.stdin.read())\nc.commit()', path], { input: sql });
  return path;
}

test('SQLite queries run through the given Python, read-only, and return JSON rows', async () => {
  const path = await makeSqliteDb();
  const db = sqliteDatabase({ python: 'python3', path });
  assert.deepEqual(await db.query('SELECT compat_version FROM schema_compat_version;'), [{ compat_version: 60 }]);
  assert.deepEqual(
    await db.query(
      'SELECT COUNT(*) FROM (SELECT state_group, prev_state_group FROM state_group_edges GROUP BY state_group, prev_state_group HAVING COUNT(*) > 1) AS d;',
    ),
    [{ 'COUNT(*)': 2 }],
  );
  assert.deepEqual(await db.query("SELECT room_id, room_version FROM rooms WHERE room_id = '!b:x'"), [{ room_id: '!b:x', room_version: null }]);
  const before = await readFile(path);
  await assert.rejects(db.query('DELETE FROM rooms;'), /only SELECT\/WITH queries/);
  await assert.rejects(db.query('WITH x AS (SELECT 1) DELETE FROM rooms'), /sqlite query failed: .*(readonly|read-only)/i);
  assert.deepEqual(await readFile(path), before, 'the database file is unchanged');
});

test('a path with spaces and URI characters still opens read-only', async () => {
  const path = await makeSqliteDb();
  const odd = join(path, '..', 'odd name #1?.db');
  execFileSync('cp', [path, odd]);
  assert.deepEqual(await sqliteDatabase({ python: 'python3', path: odd }).query('SELECT version FROM schema_version'), [{ version: 65 }]);
});

test('a missing SQLite file is an error, not an empty result', async () => {
  const db = sqliteDatabase({ python: 'python3', path: '/nonexistent/homeserver.db' });
  await assert.rejects(db.query('SELECT 1'), /sqlite query failed/);
});

test('psql gets host/port/user/dbname in argv and the password only in the environment', () => {
  const spec = psqlCommand('psql', { user: 'synapse', password: 's3cret', database: 'synapse', host: 'db.internal', port: 5433 }, 'SELECT 1;');
  assert.equal(spec.file, 'psql');
  assert.ok(!spec.args.some((a) => a.includes('s3cret')), 'no password in argv');
  assert.equal(spec.env?.PGPASSWORD, 's3cret');
  assert.equal(spec.env?.PGOPTIONS, '-c default_transaction_read_only=on');
  assert.deepEqual(spec.args.slice(6, 14), ['-h', 'db.internal', '-p', '5433', '-U', 'synapse', '-d', 'synapse']);
  assert.equal(spec.args.at(-1), "SELECT coalesce(json_agg(t), '[]'::json) FROM (SELECT 1) AS t;");
  assert.throws(() => psqlCommand('psql', {}, 'UPDATE users SET admin = 1'), /only SELECT/);
});

test('databaseFromConfig picks the engine and explains what it cannot use', () => {
  assert.equal((databaseFromConfig({ database: { name: 'psycopg2', args: { dbname: 'x' } } }, {}) as { engine: string }).engine, 'psycopg2');
  assert.match((databaseFromConfig({ database: { name: 'sqlite3', args: { database: 'h.db' } } }, {}) as { error: string }).error, /Python interpreter/);
  assert.equal((databaseFromConfig({ database_path: '/d/h.db' }, { python: 'python3' }) as { where: string }).where, '/d/h.db');
  assert.equal(
    (databaseFromConfig({ database: { args: { database: 'h.db' } } }, { python: 'python3', baseDir: '/srv' }) as { where: string }).where,
    '/srv/h.db',
  );
  assert.match((databaseFromConfig({ databases: {} }, {}) as { error: string }).error, /sharded/);
});

test('helpers: PostgreSQL version numbers and the Python runtime probe', async () => {
  assert.equal(postgresVersionFromNum(140005), '14.5');
  assert.equal(postgresVersionFromNum(90624), '9.6.24');
  const runtime = await probePythonRuntime('python3');
  assert.ok('python' in runtime && /^3\.\d+\.\d+$/.test(runtime.python) && /^3\.\d+/.test(runtime.sqlite));
  assert.ok('error' in (await probePythonRuntime('/nonexistent/python')));
});

test("gatherNoteFacts runs the notes' queries on a real SQLite file and the checks use the rows", async () => {
  const { gatherNoteFacts } = await import('../../src/system/note-facts.js');
  const { loadReleaseData } = await import('../../src/system/release-data.js');
  const { evaluateNotes } = await import('../../src/core/notes/evaluate.js');
  const steps = await loadReleaseData();
  const path = await makeSqliteDb();
  const { facts, warnings } = await gatherNoteFacts({ database: sqliteDatabase({ python: 'python3', path }), queries: steps.queries });
  assert.deepEqual(facts.queries?.['state-group-edges-duplicates'], { rows: [{ 'COUNT(*)': 2 }] });
  assert.deepEqual(facts.queries?.['rooms-without-room-version'], { rows: [{ 'COUNT(*)': 1 }] });
  assert.equal(facts.queries?.['postgres-locale-not-c'], undefined, 'PostgreSQL-only queries are not run on SQLite');
  assert.ok(warnings.some((w) => /No config was given/.test(w)));
  const ids = ['v1-60-state-group-edges-duplicates', 'v1-12-room-version-migration', 'v1-5-devices-migration'];
  const results = evaluateNotes(
    steps.notes.filter((n) => ids.includes(n.id)),
    facts,
  );
  assert.deepEqual(
    results.map((r) => [r.id, r.applies]),
    [
      ['v1-60-state-group-edges-duplicates', 'yes'],
      ['v1-12-room-version-migration', 'yes'],
      ['v1-5-devices-migration', 'no'],
    ],
  );
  assert.deepEqual(results[0]?.findings, [{ file: null, line: null, message: 'query state-group-edges-duplicates: value 2' }]);
});
