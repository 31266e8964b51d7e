import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  backgroundUpdatesCheck,
  diskChecks,
  platformChecks,
  preflightSummary,
  rebuildEstimate,
  rollbackFloorCheck,
  userCheck,
} from '../../src/core/preflight.js';
import { loadReleaseData } from '../../src/system/release-data.js';

const data = await loadReleaseData();
const MiB = 1024 * 1024;

test('platform: PostgreSQL 13 is refused for 1.143.0, naming the newest release it can run', () => {
  const [python, pg] = platformChecks(
    data.platform,
    '1.143.0',
    { python: '3.11.2', postgresql: '13.9' },
    { engine: 'psycopg2', source: { postgresql: 'server_version_num 130009' } },
  );
  assert.equal(python?.status, 'pass');
  assert.match(python!.evidence, /Python 3\.11\.2; 1\.143\.0 needs Python 3\.10 or newer \(enforced from 1\.142\.0\)/);
  assert.equal(pg?.status, 'fail');
  assert.match(pg!.evidence, /PostgreSQL 13\.9 \(server_version_num 130009\) is older than 14/);
  assert.match(pg!.fix!, /The newest release this platform can run is 1\.142\.1\./);
});

test('platform: Python 3.9 and SQLite 3.34 against 1.142.0 (SQLite only checked for SQLite databases)', () => {
  const checks = platformChecks(data.platform, '1.142.0', { python: '3.9.2', sqlite: '3.34.1' }, { engine: 'sqlite3', source: {} });
  assert.deepEqual(
    checks.map((c) => `${c.id}:${c.status}`),
    ['python:fail', 'sqlite:fail'],
  );
  assert.match(checks[0]!.fix!, /newest release this platform can run is 1\.141\.0/);
});

test('platform: a floor that is only documented warns instead of failing', () => {
  const [python] = platformChecks(data.platform, '1.50.0', { python: '3.6.9', sqlite: '3.31.1' }, { engine: 'sqlite3', source: {} });
  assert.equal(python?.status, 'warn');
  assert.match(python!.evidence, /documented from 1\.50\.0/);
});

test('platform: an unreachable PostgreSQL fails with the reason', () => {
  const checks = platformChecks(
    data.platform,
    '1.50.0',
    { python: '3.11.0' },
    { engine: 'psycopg2', source: {}, unreadable: { postgresql: 'cannot connect: password authentication failed' } },
  );
  assert.equal(checks[1]?.status, 'fail');
  assert.match(checks[1]!.evidence, /password authentication failed/);
});

test('disk: database and backup on one filesystem add up; too little space fails with how much to free', () => {
  const fs = { path: '/var/lib', free: 150 * MiB, device: 1 };
  const ok = diskChecks({ databaseBytes: 100 * MiB, rebuildBytes: 0, databaseFree: { ...fs, free: 500 * MiB }, backupFree: { ...fs, free: 500 * MiB } });
  assert.deepEqual(
    ok.map((c) => c.status),
    ['pass'],
  );
  const tight = diskChecks({ databaseBytes: 100 * MiB, rebuildBytes: 50 * MiB, databaseFree: fs, backupFree: fs });
  assert.equal(tight[0]?.status, 'fail');
  assert.match(tight[0]!.evidence, /50\.0 MiB for index rebuilds \+ 100\.0 MiB for the backup on the same filesystem/);
  assert.match(tight[0]!.fix!, /--backup-dir/);
});

test('disk: a separate backup filesystem is checked on its own', () => {
  const checks = diskChecks({
    databaseBytes: 10 * MiB,
    rebuildBytes: 0,
    databaseFree: { path: '/a', free: 1e12, device: 1 },
    backupFree: { path: '/b', free: 1 * MiB, device: 2 },
  });
  assert.deepEqual(
    checks.map((c) => `${c.id}:${c.status}`),
    ['disk-database:pass', 'disk-backup:fail'],
  );
  assert.match(checks[1]!.evidence, /1\.0 MiB free at \/b; the backup needs about 26\.0 MiB/);
});

test('index rebuilds: v1.38 and v1.68 are counted only when crossed', () => {
  assert.equal(rebuildEstimate('1.37.0', '1.38.0', 1000).bytes, 500);
  assert.equal(rebuildEstimate('1.38.0', '1.67.0', 1000).bytes, 0);
  assert.deepEqual(rebuildEstimate('1.30.0', '1.70.0', 1000), {
    bytes: 750,
    why: ['v1.38 rebuilds four indexes of the events table', 'v1.68 rebuilds event_edges (71/01rebuild_event_edges)'],
  });
});

test('user: pip into a venv of another user is refused with the sudo -u line', () => {
  const check = userCheck({
    owner: { uid: 998, name: 'synapse' },
    me: { uid: 0, name: 'root' },
    commandLine: 'synapse-upgrade --target 1.50.0',
    path: '/opt/synapse/env',
  });
  assert.equal(check.status, 'fail');
  assert.equal(check.fix, "Run it as the venv's owner: sudo -u synapse synapse-upgrade --target 1.50.0");
  assert.equal(userCheck({ owner: { uid: 5, name: 'x' }, me: { uid: 5, name: 'x' }, commandLine: '', path: '/v' }).status, 'pass');
  assert.equal(
    userCheck({
      root: { tools: 'dpkg/apt', action: 'installing a .deb' },
      owner: undefined,
      me: { uid: 1000, name: 'me' },
      commandLine: 'synapse-upgrade',
      path: '',
    }).status,
    'fail',
  );
});

test('background updates: pending ones warn, and refuse with --yes', () => {
  assert.equal(backgroundUpdatesCheck([], true).status, 'pass');
  assert.equal(backgroundUpdatesCheck(['event_search_sqlite'], false).status, 'warn');
  const refused = backgroundUpdatesCheck(['a', 'b'], true);
  assert.equal(refused.status, 'fail');
  assert.match(refused.evidence, /2 still pending in background_updates: a, b/);
});

test('rollback floor: says before the upgrade whether the old version stays reachable', () => {
  const reachable = rollbackFloorCheck(data.schema, { from: '1.46.0', target: '1.47.0', dbCompat: 60, backup: true });
  assert.equal(reachable.status, 'pass');
  assert.match(
    reachable.evidence,
    /schema_compat_version is 60 \(this database can go back to 1\.38\.0\); after 1\.47\.0 it can go back to 1\.38\.0 .*1\.46\.0 stays reachable/,
  );
  const needsBackup = rollbackFloorCheck(data.schema, { from: '1.38.0', target: '1.157.1', dbCompat: 59, backup: false });
  assert.equal(needsBackup.status, 'warn');
  assert.match(needsBackup.evidence, /after 1\.157\.1 it can go back to 1\.100\.0 .*going back to 1\.38\.0 will need the backup/);
  assert.equal(preflightSummary([reachable, needsBackup]), '2 checks: 1 pass, 1 warn, 0 fail');
});
