// The safety net end to end, with the stand-in Synapse (real pip, venv, HTTP, SQLite): preflight
// refusals, the backup, the config check with the new code, and the rollback. Needs `npm run build`.
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { BIN, runCli, wizardEnv } from '../helpers/cli.js';
import { needPrivateMounts, withTmpfs } from '../helpers/namespace.js';

const started: StandinInstall[] = [];
const roots: string[] = [];
after(async () => {
  await Promise.all(started.map((s) => s.kill().catch(() => {})));
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

async function homeserver(version: string, extraConfig?: Record<string, unknown>) {
  const root = await mkdtemp(join(tmpdir(), 'su-safety-'));
  roots.push(root);
  const hs = await createStandinInstall({ root, version, port: await freePort(), ...(extraConfig ? { extraConfig } : {}) });
  started.push(hs);
  await hs.start();
  const state = join(root, 'state');
  return { hs, root, state, env: wizardEnv(hs.wheelhouse, state) };
}

/**
 * Two homeservers shared by the tests below, in order (creating a stand-in venv is the slow part):
 * `refusing` at 1.46.0 whose 1.47.0 rejects a config key, for every check that must change nothing;
 * `migrating` at 1.38.0, for the crash, the rollback command and --no-backup.
 */
let refusingHs: ReturnType<typeof homeserver> | undefined;
let migratingHs: ReturnType<typeof homeserver> | undefined;
const refusing = () => (refusingHs ??= homeserver('1.46.0', { my_retired_key: true, x_standin: { refuse_config_keys: { '1.47.0': ['my_retired_key'] } } }));
const migrating = () => (migratingHs ??= homeserver('1.38.0'));

async function journalOf(stateDir: string) {
  const [folder] = await readdir(stateDir);
  return JSON.parse(await readFile(join(stateDir, folder!, 'journal.json'), 'utf8'));
}
const stepsOf = (journal: { steps: { id: string; status: string }[] }) => journal.steps.map((s) => `${s.id}:${s.status}`);

async function installedVersion(hs: StandinInstall): Promise<string> {
  const { stdout } = await execa(hs.bin('python'), ['-c', "from importlib.metadata import version; print(version('matrix-synapse'))"]);
  return stdout.trim();
}

/** Runs SQL that writes (committed; the stand-in's query() helper only reads). */
async function write(hs: StandinInstall, sql: string): Promise<void> {
  await execa(hs.bin('python'), [
    '-c',
    'import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); c.executescript(sys.argv[2]); c.close()',
    hs.dbPath,
    sql,
  ]);
}

/** Makes the SQLite database about `mib` MiB bigger (a filler table), so a tiny filesystem cannot hold its backup. */
async function grow(hs: StandinInstall, mib: number) {
  await write(hs, `CREATE TABLE IF NOT EXISTS x_filler (b BLOB); ${'INSERT INTO x_filler VALUES (randomblob(1048576));'.repeat(mib)}`);
}

test('rollback with nothing recorded: a clear sentence, exit 2', async () => {
  const { hs, env } = await refusing();
  const run = await runCli(['rollback', '--venv', hs.venv, '--yes'], env);
  assert.equal(run.exitCode, 2, run.stdout + run.stderr);
  assert.match(run.stdout, /Nothing to roll back: no upgrade of this homeserver is recorded in /);
});

test('a target refused by the Python floor (from a copy of the upgrade data): nothing changes', async () => {
  const { hs, env, root } = await refusing();
  const steps = join(root, 'steps-copy');
  await cp(fileURLToPath(new URL('../../steps', import.meta.url)), steps, { recursive: true });
  const file = join(steps, 'platform.yaml');
  const doc = parseDocument(await readFile(file, 'utf8'));
  const floors = doc.get('floors') as { items: unknown[] };
  const at = floors.items.findIndex((n) => (n as { get(k: string): unknown }).get('since') === '1.50.0');
  floors.items.splice(
    at,
    0,
    doc.createNode({ since: '1.47.0', python: '3.99', postgresql: '9.6', sqlite: '3.22', enforced: true, source: 'test: a future Python floor' }),
  );
  const lastUsable = doc.get('last_usable') as { items: unknown[] };
  lastUsable.items.push(doc.createNode({ component: 'python', below: '3.99', last: '1.46.0' }));
  await writeFile(file, doc.toString());
  const pid = hs.pid();
  const run = await runCli(['--venv', hs.venv, '--target', '1.47.0', '--yes'], { ...env, SYNAPSE_UPGRADE_STEPS_DIR: steps });
  assert.equal(run.exitCode, 4, run.stdout + run.stderr);
  assert.match(
    run.stdout,
    /Preflight refused the upgrade: Python version: Python 3\.\d+\.\d+ \(.*env\/bin\/python\) is older than 3\.99: 1\.47\.0 needs Python 3\.99 or newer \(enforced from 1\.47\.0\)\./,
  );
  assert.match(run.stdout, /Next: The newest release this platform can run is 1\.46\.0\./);
  assert.match(run.stdout, /Server state: nothing was changed/);
  assert.equal(hs.pid(), pid);
  assert.equal(await installedVersion(hs), '1.46.0');
});

test('pending background updates: --yes refuses', async () => {
  const { hs, env } = await refusing();
  await write(hs, `INSERT INTO background_updates (update_name, progress_json) VALUES ('users_creation_ts', '{}')`);
  try {
    const run = await runCli(['--venv', hs.venv, '--target', '1.47.0', '--yes'], env);
    assert.equal(run.exitCode, 4, run.stdout + run.stderr);
    assert.match(run.stdout, /Preflight refused the upgrade: Background updates: 1 still pending in background_updates: users_creation_ts\./);
    assert.equal(await installedVersion(hs), '1.46.0');
  } finally {
    await write(hs, 'DELETE FROM background_updates');
  }
});

test('a full filesystem for the backup: refused before any change', async (t) => {
  if (!(await needPrivateMounts(t))) return;
  const { hs, env, root } = await refusing();
  await grow(hs, 2);
  const backups = join(root, 'tiny');
  await mkdir(backups);
  const pid = hs.pid();
  const run = await withTmpfs(backups, 'size=256k', [process.execPath, BIN, '--venv', hs.venv, '--target', '1.47.0', '--yes', '--backup-dir', backups], env);
  assert.equal(run.exitCode, 4, run.stdout + run.stderr);
  assert.match(
    run.stdout,
    /Preflight refused the upgrade: Free disk for the backup: 256\.0 KiB free at .*tiny; the backup needs about 18\.\d MiB \(the database is 2\.\d MiB, with margin\)/,
  );
  assert.match(run.stdout, /Next: Free 1\d\.\d MiB there, or choose another folder with --backup-dir/);
  assert.equal(hs.pid(), pid);
  assert.equal(await installedVersion(hs), '1.46.0');
});

test('a backup folder that cannot be written: a clear sentence (exit 2), nothing changed', async (t) => {
  if (!(await needPrivateMounts(t))) return;
  const { hs, env, root } = await refusing();
  const backups = join(root, 'readonly');
  await mkdir(backups);
  const run = await withTmpfs(
    backups,
    'ro',
    [process.execPath, BIN, '--venv', hs.venv, '--target', '1.47.0', '--yes', '--backup-dir', join(backups, 'sub')],
    env,
  );
  assert.equal(run.exitCode, 2, run.stdout + run.stderr);
  assert.match(run.stdout, /Preflight refused the upgrade: Backup folder: .*readonly\/sub cannot be written \(EROFS\)\./);
  assert.equal(await hs.serverVersion(), '1.46.0');
  assert.equal(await installedVersion(hs), '1.46.0');
});

test('the filesystem fills up during the backup: the step fails, removes its partial file, changes nothing', async (t) => {
  if (!(await needPrivateMounts(t))) return;
  const { hs, root } = await refusing();
  await grow(hs, 2);
  const backups = join(root, 'filling');
  await mkdir(backups);
  const helper = fileURLToPath(new URL('../helpers/backup-into.ts', import.meta.url));
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  const run = await withTmpfs(
    backups,
    'size=512k,mode=700',
    [process.execPath, '--import', 'tsx', helper, hs.bin('python'), hs.dbPath, backups, join(root, 'transcript.log')],
    env,
  );
  assert.equal(run.exitCode, 0, run.stderr);
  const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
  assert.equal(out.ok, false);
  assert.match(out.message, /The backup failed: the filesystem of .*filling is full \(.*database or disk is full/);
  assert.equal(out.serverState, 'nothing was changed: the old version keeps serving');
  assert.deepEqual(out.left, [], 'the partial backup was removed');
});

test('the new version rejects the config: no restart, the old version put back, zero downtime', async () => {
  const { hs, env, state } = await refusing();
  const pid = hs.pid();
  const run = await runCli(['--venv', hs.venv, '--target', '1.47.0', '--yes'], env);
  assert.equal(run.exitCode, 1, run.stdout + run.stderr);
  assert.match(run.stdout, /Synapse 1\.47\.0 rejects the config/);
  assert.match(run.stdout, /'my_retired_key' is not supported by Synapse 1\.47\.0/);
  assert.match(run.stdout, /Synapse 1\.46\.0 kept serving throughout: no restart, no downtime\./);
  assert.match(run.stdout, /Server state: Synapse 1\.46\.0 is installed and serving, as before \(downtime 0 s\)/);
  assert.equal(hs.pid(), pid, 'the old process was never restarted');
  assert.equal(await hs.serverVersion(), '1.46.0');
  assert.equal(await installedVersion(hs), '1.46.0');
  const journal = await journalOf(state);
  const recorded = stepsOf(journal);
  assert.ok(recorded.includes('preflight:done') && recorded.includes('backup:done'), recorded.join(' '));
  assert.deepEqual(recorded.slice(-4), ['install:done', 'config-check:failed', 'rollback-install:done', 'rollback-verify:done']);
  assert.ok(!recorded.some((s: string) => s.startsWith('restart')), 'no restart step ran');
  assert.equal(journal.outcome, 'failed');
  assert.doesNotMatch(await readFile(journal.transcript, 'utf8'), /synctl/);
});

test('a target that migrates and then crashes: rolled back with the backup restored, data intact', async () => {
  const { hs, env, state } = await migrating();
  await write(hs, `INSERT INTO users (name, creation_ts) VALUES ('@alice:example.test', 1)`);
  await hs.writeConfig({ extraConfig: { x_standin: { crash_after_migration: ['1.48.0'] } } });
  const run = await runCli(['--venv', hs.venv, '--target', '1.48.0', '--yes', '--accept-all-notes'], env);
  assert.equal(run.exitCode, 1, run.stdout + run.stderr);
  assert.match(run.stdout, /The restart failed|Synapse is not running after the restart/);
  assert.match(run.stdout, /\? Roll back to 1\.38\.0 and restore the database backup \(data since the backup is lost\)\?/);
  assert.match(run.stdout, /Everything written since then is lost/);
  assert.match(run.stdout, /Rolled back to 1\.38\.0\./);
  assert.match(run.stdout, /Synapse 1\.38\.0 serves again at http:\/\/127\.0\.0\.1:\d+ \(server_version 1\.38\.0, \/health OK\)/);
  assert.equal(await hs.serverVersion(), '1.38.0');
  assert.deepEqual(await hs.query('SELECT compat_version FROM schema_compat_version'), [[59]]);
  assert.deepEqual(await hs.query(`SELECT name FROM users WHERE name = '@alice:example.test'`), [['@alice:example.test']]);
  assert.match(await hs.readLog(), /Applying schema deltas for v61/, 'the target really migrated before it crashed');
  const journal = await journalOf(state);
  assert.deepEqual(stepsOf(journal).slice(-5), [
    'rollback-stop:done',
    'rollback-install:done',
    'rollback-restore:done',
    'rollback-restart:done',
    'rollback-verify:done',
  ]);
  assert.match(journal.backup.verified, /PRAGMA integrity_check: ok/);
  assert.match(journal.backup.sha256, /^[0-9a-f]{64}$/);
  assert.ok(journal.backup.bytes > 0 && journal.backup.durationMs >= 0);
  // Everything is back as it was: a rollback now has nothing to do.
  const again = await runCli(['rollback', '--venv', hs.venv, '--yes'], env);
  assert.equal(again.exitCode, 2, again.stdout + again.stderr);
  assert.match(again.stdout, /Nothing to roll back: Synapse 1\.38\.0 is installed and running, as before the last upgrade/);
});

test('`synapse-upgrade rollback` after a good upgrade: restores the backup (later data lost, as announced)', async () => {
  const { hs, env, state } = await migrating();
  await hs.writeConfig({ extraConfig: {} });
  const up = await runCli(['--venv', hs.venv, '--target', '1.48.0', '--yes', '--accept-all-notes'], env);
  assert.equal(up.exitCode, 0, up.stdout + up.stderr);
  assert.match(up.stdout, /\[ok\] backup: .* PRAGMA integrity_check: ok → .*homeserver-1\.38\.0-\d{8}T\d{6}Z\.db/);
  assert.match(
    up.stdout,
    /ok: Rollback floor: schema_compat_version is 59 .*after 1\.48\.0 it can go back to 1\.39\.0 .*going back to 1\.38\.0 will need the backup/,
  );
  await write(hs, `INSERT INTO users (name, creation_ts) VALUES ('@late:example.test', 2)`);
  const run = await runCli(['rollback', '--venv', hs.venv, '--yes'], env);
  assert.equal(run.exitCode, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /Rolled back from 1\.48\.0 to 1\.38\.0\./);
  assert.match(run.stdout, /The database was restored from .*homeserver-1\.38\.0-.*\.db/);
  assert.equal(await hs.serverVersion(), '1.38.0');
  assert.deepEqual(await hs.query(`SELECT name FROM users WHERE name IN ('@alice:example.test', '@late:example.test')`), [['@alice:example.test']]);
  const journal = await journalOf(state);
  assert.equal(journal.outcome, 'rolled-back');
  assert.ok(stepsOf(journal).includes('verify:done'), 'the upgrade steps stay in the journal');
  assert.deepEqual(stepsOf(journal).slice(-5), [
    'rollback-stop:done',
    'rollback-install:done',
    'rollback-restore:done',
    'rollback-restart:done',
    'rollback-verify:done',
  ]);
});

test('--no-backup: the upgrade goes ahead with a warning in the summary', async () => {
  const { hs, env } = await migrating();
  const run = await runCli(['--venv', hs.venv, '--target', '1.46.0', '--yes', '--accept-all-notes', '--no-backup'], env);
  assert.equal(run.exitCode, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /\[--\] backup: skipped at your request \(--no-backup\)/);
  assert.match(run.stdout, /^Warning: No backup was taken \(--no-backup\)/m);
  assert.equal(await hs.serverVersion(), '1.46.0');
});
