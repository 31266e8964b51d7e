import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applicableProcedures, planRollback, sqlForEngine } from '../../src/core/rollback-plan.js';
import { loadReleaseData } from '../../src/system/release-data.js';

const data = await loadReleaseData();
const plan = (back: string, current: string, dbCompat: number | undefined, { haveBackup = true, engine = 'sqlite3' as 'sqlite3' | 'psycopg2' } = {}) =>
  planRollback({ schema: data.schema, procedures: data.rollbacks, back, current, engine, dbCompat, haveBackup });

test('the old version can use the database: no restore, no SQL', () => {
  const p = plan('1.46.0', '1.48.0', 61);
  assert.equal(p.restore, false);
  assert.deepEqual(p.sql, []);
  assert.match(p.reason, /1\.46\.0 can use the database as it is \(compat version 61\)/);
});

test('the database is too new for the old version: restore the backup, or nothing is possible without one', () => {
  const p = plan('1.38.0', '1.48.0', 61);
  assert.equal(p.restore, true);
  assert.match(p.reason, /compat version 61 is newer than 1\.38\.0 understands/);
  const none = plan('1.38.0', '1.48.0', 61, { haveBackup: false });
  assert.equal(none.restore, false);
  assert.match(none.blocked!, /there is no backup to restore/);
  assert.equal(plan('1.38.0', '1.48.0', undefined).restore, true);
});

test("1.26.0 → 1.25.0: the guide's SQL instead of a restore, single quotes on PostgreSQL", () => {
  const sqlite = plan('1.25.0', '1.26.0', 59);
  assert.equal(sqlite.restore, false);
  assert.deepEqual(
    sqlite.procedures.map((p) => p.id),
    ['rollback-1-26-to-1-25'],
  );
  const statements = sqlite.sql.flatMap((s) => s.statements);
  assert.ok(statements.includes('UPDATE schema_version SET version = 58;'));
  assert.ok(statements.includes('DELETE FROM event_auth_chain_links;'));
  assert.ok(!statements.includes('TRUNCATE event_auth_chain_links;'));
  assert.ok(statements.includes('DELETE FROM applied_schema_deltas WHERE version = 59 AND file = "59/01ignored_user.py";'));
  const pg = plan('1.25.0', '1.26.0', 59, { engine: 'psycopg2' }).sql.flatMap((s) => s.statements);
  assert.ok(pg.includes('TRUNCATE event_auth_chains;'));
  assert.ok(pg.includes("DELETE FROM applied_schema_deltas WHERE version = 59 AND file = '59/01ignored_user.py';"));
});

test('1.30.0 → 1.12.4 crosses two procedures, newest first; a compat raise without one needs the backup', () => {
  assert.deepEqual(
    applicableProcedures(data.rollbacks, '1.12.4', '1.30.0').map((p) => p.id),
    ['rollback-1-26-to-1-25', 'rollback-1-13-to-1-12-4'],
  );
  // 1.9.0 raised compat (57) and the guide has no SQL for it: going back to 1.8.0 needs the backup.
  assert.equal(plan('1.8.0', '1.13.0', 58).restore, true);
  assert.equal(plan('1.12.4', '1.13.0', 58).restore, false);
});

test('config advice from the guide (1.4.0 → 1.3.1) is shown, never applied', () => {
  const p = plan('1.3.1', '1.4.0', 56);
  assert.equal(p.restore, false);
  assert.match(p.configAdvice[0]!, /stats:\n {2}enabled: false/);
});

test('sqlForEngine only rewrites double-quoted literals for PostgreSQL', () => {
  assert.equal(sqlForEngine('SELECT 1 WHERE a = "x"', 'sqlite3'), 'SELECT 1 WHERE a = "x"');
  assert.equal(sqlForEngine('SELECT 1 WHERE a = "x"', 'psycopg2'), "SELECT 1 WHERE a = 'x'");
});

test('with workers, a schema the upgrade moved on needs the backup even where the main process could run (1.49 → 1.46: schema 66, workers of 1.46 need 65)', () => {
  const withWorkers = (back: string, current: string, db: { compat: number; schema: number }, haveBackup = true) =>
    planRollback({
      schema: data.schema,
      procedures: data.rollbacks,
      back,
      current,
      engine: 'sqlite3',
      dbCompat: db.compat,
      haveBackup,
      workers: true,
      dbSchema: db.schema,
    });
  const p = withWorkers('1.46.0', '1.49.0', { compat: 61, schema: 66 });
  assert.equal(p.restore, true);
  assert.match(p.reason, /1\.49\.0 migrated the database to schema 66; 1\.46\.0's main process could use it, but its workers start only on schema 65/);
  assert.match(withWorkers('1.46.0', '1.49.0', { compat: 61, schema: 66 }, false).blocked!, /no backup to restore/);
  // Same schema (1.46 → 1.47, both 65): nothing to restore, workers or not.
  assert.equal(withWorkers('1.46.0', '1.47.0', { compat: 60, schema: 65 }).restore, false);
  // 1.49 installed but never started (its config check failed): the schema is still 65, nothing to restore.
  assert.equal(withWorkers('1.46.0', '1.49.0', { compat: 60, schema: 65 }).restore, false);
  assert.equal(plan('1.46.0', '1.49.0', 61).restore, false);
});
