import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitCode } from '../../../src/core/errors.js';
import { backupStep } from '../../../src/engine/steps/backup.js';
import { adminError, fakeDatabase, fakeSession, type SystemOverrides } from '../../helpers/step-fakes.js';

const SHA = 'ab'.repeat(32);

/** The helpers of a backup that works: a writable, trusted folder, a file that verifies. */
function working(over: SystemOverrides['files'] = {}, removed: string[] = []): SystemOverrides {
  return {
    database: {
      info: () => fakeDatabase('sqlite3'),
      verifySqliteBackup: async () => ({ ok: true, evidence: 'PRAGMA integrity_check: ok', compat: 83 }),
      verifyPgDump: async () => ({ ok: true, evidence: 'pg_restore --list: 42 entries' }),
    },
    files: {
      writableDirProblem: async () => undefined,
      ensureTrusted: async () => {},
      createPrivate: async () => {},
      size: async () => 2048,
      sha256: async () => SHA,
      remove: async (path) => void removed.push(path),
      ...over,
    },
  };
}

test('backup: the folder is made through the runner, the copy verified and recorded, the summary names it', async () => {
  const s = fakeSession({ system: working() });
  await backupStep.run(s.ctx);
  assert.deepEqual(s.runner.ran[0]?.argv, ['mkdir', '-p', '-m', '700', '/nonexistent/session/backups']);
  assert.equal(s.runner.ran[1]?.argv[0], '/srv/synapse/env/bin/python', "SQLite is copied with the venv's Python");
  assert.equal(s.ctx.backup?.sha256, SHA);
  assert.equal(s.ctx.backup?.compat, 83);
  assert.equal(s.ctx.backup?.verified, 'PRAGMA integrity_check: ok');
  assert.match(s.ctx.backup?.path ?? '', /^\/nonexistent\/session\/backups\/homeserver-1\.46\.0-.*\.db$/);
  assert.match(s.finished()[0] ?? '', /^backup:done 2\.0 KiB in 0\.0 s, sha256 abababababababab…, PRAGMA integrity_check: ok → /);
  assert.match(s.ctx.summary[0] ?? '', /^Backup of the 1\.46\.0 database: .* \(2\.0 KiB, sha256 (ab){32}\)\.$/);
});

test('backup: --no-backup skips it with a warning that stays in the summary', async () => {
  const s = fakeSession({ opts: { yes: true, dryRun: false, pre: false, noBackup: true } });
  await backupStep.run(s.ctx);
  assert.deepEqual(s.finished(), ['backup:skipped skipped at your request (--no-backup)']);
  assert.match(s.ctx.summary[0] ?? '', /^Warning: No backup was taken \(--no-backup\)/);
  assert.equal(s.runner.ran.length, 0);
});

test('backup: a database the config does not name well is refused (exit 4) before anything runs', async () => {
  const s = fakeSession({ system: { database: { info: () => ({ error: 'database.name is "mysql"' }) } } });
  const error = await adminError(backupStep.run(s.ctx));
  assert.equal(error.message, 'The database cannot be backed up: database.name is "mysql".');
  assert.equal(error.exitCode, ExitCode.refused);
  assert.equal(error.serverState, 'nothing was changed: the old version keeps serving');
  assert.equal(error.nextStep, 'Back it up by hand and run again with --no-backup.');
});

test('backup: a folder that cannot be written: exit 2, choose another with --backup-dir', async () => {
  const s = fakeSession({ system: working({ writableDirProblem: async () => 'EROFS' }) });
  const error = await adminError(backupStep.run(s.ctx));
  assert.equal(error.message, 'The backup folder /nonexistent/session/backups cannot be written (EROFS).');
  assert.equal(error.exitCode, ExitCode.usage);
});

test('backup: a full filesystem: what was written is removed, and the error says to free space', async () => {
  const removed: string[] = [];
  const s = fakeSession({
    system: working({}, removed),
    runner: { result: (spec) => (spec.argv[0] === 'mkdir' ? {} : { exitCode: 1, tail: ['sqlite3.OperationalError: database or disk is full'] }) },
  });
  const error = await adminError(backupStep.run(s.ctx));
  assert.match(error.message, /^The backup failed: the filesystem of \/nonexistent\/session\/backups is full \(sqlite3\.OperationalError: database or disk is full\)\.$/);
  assert.equal(error.nextStep, 'Free space there or choose another folder with --backup-dir, then run again.');
  assert.equal(removed.length, 4, 'the file and its -journal, -wal, -shm companions');
  assert.equal(s.ctx.backup, undefined);
});

test('backup: a PostgreSQL dump that does not verify is removed and not recorded', async () => {
  const removed: string[] = [];
  const system = working({}, removed);
  system.database = { ...system.database, info: () => fakeDatabase('psycopg2'), verifyPgDump: async () => ({ ok: false, evidence: 'pg_restore --list failed' }) };
  const s = fakeSession({ system });
  const error = await adminError(backupStep.run(s.ctx));
  assert.equal(error.message, 'The backup was written but does not verify: pg_restore --list failed.');
  assert.equal(s.runner.ran[1]?.argv[0], 'pg_dump');
  assert.ok(removed.length > 0);
  assert.equal(s.ctx.backup, undefined);
});

test('backup: a dry run shows the commands and touches no file', async () => {
  const s = fakeSession({ runner: { dryRun: true }, system: { database: { info: () => fakeDatabase('sqlite3') } } });
  await backupStep.run(s.ctx);
  assert.equal(s.runner.ran.length, 2);
  assert.deepEqual(s.finished(), ['backup:done not run (dry run): would back up /srv/synapse/homeserver.db into /nonexistent/session/backups']);
});
