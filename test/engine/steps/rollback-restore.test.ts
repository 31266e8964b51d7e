import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rollbackRestoreStep } from '../../../src/engine/steps/rollback-restore.js';
import type { BackupRecord } from '../../../src/system/backup.js';
import { adminError, fakeDatabase, fakeRollback } from '../../helpers/step-fakes.js';

const backup: BackupRecord = {
  engine: 'psycopg2',
  path: '/nonexistent/backups/homeserver-1.46.0.dump',
  source: 'synapse@127.0.0.1:5432/synapse',
  bytes: 10,
  durationMs: 1,
  sha256: 'cd'.repeat(32),
  verified: 'pg_restore --list: 42 entries',
  createdAt: '2026-01-01T12:00:00.000Z',
  version: '1.46.0',
};

test('rollback-restore (PostgreSQL): checksum checked, the dump turned into a private SQL file, restored, the file removed', async () => {
  const removed: string[] = [];
  const created: string[] = [];
  const r = fakeRollback({
    plan: { restore: true },
    backup,
    info: fakeDatabase('psycopg2'),
    system: {
      files: {
        ensureTrusted: async () => {},
        sha256: async () => backup.sha256,
        createPrivate: async (p) => void created.push(p),
        remove: async (p) => void removed.push(p),
      },
    },
  });
  assert.equal(rollbackRestoreStep.needed(r.ctx), true);
  await rollbackRestoreStep.run(r.ctx);
  assert.deepEqual(created, [`${backup.path}.restore.sql`]);
  assert.deepEqual(removed, created);
  assert.deepEqual(
    r.runner.ran.map((c) => c.argv[0]),
    ['pg_restore', 'psql'],
  );
  assert.deepEqual(r.finished(), [`rollback-restore:done restored ${backup.path} (taken ${backup.createdAt})`]);
});

test('rollback-restore: a backup whose checksum changed is not restored; the database was not touched', async () => {
  const r = fakeRollback({
    plan: { restore: true },
    backup,
    info: fakeDatabase('psycopg2'),
    system: { files: { ensureTrusted: async () => {}, sha256: async () => 'ee'.repeat(32) } },
  });
  const error = await adminError(rollbackRestoreStep.run(r.ctx));
  assert.equal(error.message, `The backup ${backup.path} does not match its recorded checksum (eeeeeeeeeeeeeeee… ≠ cdcdcdcdcdcdcdcd…).`);
  assert.equal(error.serverState, 'matrix-synapse 1.46.0 is installed, the database was not touched; run `synapse-upgrade rollback` to go on');
  assert.equal(r.runner.ran.length, 0);
});

test('rollback-restore (SQLite): restore fails: the database is as the failed version left it; not needed without a backup', async () => {
  assert.equal(rollbackRestoreStep.needed(fakeRollback({ plan: { restore: true } }).ctx), false);
  const r = fakeRollback({
    plan: { restore: true },
    backup: { ...backup, engine: 'sqlite3' },
    runner: { result: () => ({ exitCode: 1, tail: ['database is locked'] }) },
    system: { files: { ensureTrusted: async () => {}, sha256: async () => backup.sha256 } },
  });
  const error = await adminError(rollbackRestoreStep.run(r.ctx));
  assert.equal(error.message, 'Restoring the database failed:\n  database is locked');
  assert.equal(error.serverState, 'matrix-synapse 1.46.0 is installed; the database is as the failed version left it; run `synapse-upgrade rollback` to go on');
});
