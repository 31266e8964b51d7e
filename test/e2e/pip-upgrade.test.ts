import assert from 'node:assert/strict';
import { cp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { runCli, wizardEnv } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const started: StandinInstall[] = [];
after(async () => {
  await Promise.all(started.map((s) => s.kill().catch(() => {})));
});

async function homeserver(version: string, migrationSeconds = 0) {
  const root = await tempDir('su-e2e-');
  const hs = await createStandinInstall({ root, version, port: await freePort(), migrationSeconds });
  started.push(hs);
  await hs.start();
  return { hs, env: wizardEnv(hs.wheelhouse, join(root, 'state')), state: join(root, 'state') };
}

async function journalOf(stateDir: string) {
  const [folder] = await readdir(stateDir);
  return JSON.parse(await readFile(join(stateDir, folder!, 'journal.json'), 'utf8'));
}

test('--yes upgrades a pip install 1.46.0 → 1.47.0 on a non-default port and verifies it over HTTP', async () => {
  const { hs, env, state } = await homeserver('1.46.0', 2);
  assert.notEqual(hs.port, 8008);
  const run = await runCli(['--venv', hs.venv, '--target', '1.47.0', '--yes'], env);
  assert.equal(run.exitCode, 0, run.stdout + run.stderr);
  assert.equal(await hs.serverVersion(), '1.47.0');
  assert.match(run.stdout, /\[ok\] verify: server_version says 1\.47\.0/);
  assert.match(run.stdout, /Synapse now runs 1\.47\.0 \(was 1\.46\.0\)/);
  assert.match(run.stdout, /can now roll back as far as 1\.38\.0/);
  const journal = await journalOf(state);
  assert.equal(journal.outcome, 'upgraded');
  assert.deepEqual(
    journal.steps.map((s: { id: string; status: string }) => `${s.id}:${s.status}`),
    [
      'detect:done',
      'target:done',
      'notes:done',
      'prepare:done',
      'preflight:done',
      'confirm:done',
      'backup:done',
      'install:done',
      'config-check:done',
      'restart:done',
      'wait:done',
      'verify:done',
      'workers:skipped',
    ],
  );
  // The backup is private: 0600, in a 0700 folder (issue 14 item 3).
  assert.equal((await stat(journal.backup.path)).mode & 0o777, 0o600);
  assert.equal((await stat(dirname(journal.backup.path))).mode & 0o777, 0o700);
  const transcript = await readFile(journal.transcript, 'utf8');
  assert.match(transcript, /"install","--disable-pip-version-check","--upgrade","matrix-synapse==1\.47\.0"\]/);
  assert.match(transcript, /Successfully installed matrix-synapse-1\.47\.0/);
  assert.match(transcript, /=== exit 0 after \d+ ms/);
  const status = await runCli(['status', '--json'], env);
  assert.equal(status.exitCode, 0, status.stderr);
  assert.equal(JSON.parse(status.stdout).to, '1.47.0');
});

test('the wizard waits through a start-up migration and shows its progress', async () => {
  const { hs, env } = await homeserver('1.47.0', 3);
  const run = await runCli(['--venv', hs.venv, '--target', '1.49.0', '--yes'], env);
  assert.equal(run.exitCode, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /waiting \d+ s: (migrating the database schema to v66|applying schema delta 66\/01_standin\.sql)/);
  assert.equal(await hs.serverVersion(), '1.49.0');
  const downtime = Number(/Downtime ([\d.]+) s/.exec(run.stdout)?.[1]);
  assert.ok(downtime >= 3, `downtime ${downtime} s should include the 3 s migration`);
  assert.match(await hs.readLog(), /Applying schema deltas for v66/);
});

test('already at the target: exit 0 at once with "already at"', async () => {
  const { hs, env } = await homeserver('1.47.0');
  const pid = hs.pid();
  const run = await runCli(['--venv', hs.venv, '--target', '1.47.0', '--yes'], env);
  assert.equal(run.exitCode, 0, run.stderr);
  assert.match(run.stdout, /Already at 1\.47\.0/);
  assert.equal(hs.pid(), pid);
});

test('pip failing stops before any restart; the old version keeps serving', async () => {
  const { hs, env, state } = await homeserver('1.46.0');
  const pid = hs.pid();
  // A wheelhouse whose 1.47.0 wheel is damaged: pip lists it, then fails for real to install it.
  const broken = join(hs.root, 'broken-wheelhouse');
  await cp(hs.wheelhouse, broken, { recursive: true });
  await writeFile(join(broken, 'matrix_synapse-1.47.0-py3-none-any.whl'), 'this is not a zip file');
  const run = await runCli(['--venv', hs.venv, '--target', '1.47.0', '--yes'], { ...env, PIP_FIND_LINKS: broken });
  assert.equal(run.exitCode, 1, run.stdout);
  assert.match(run.stdout, /The install command failed \(exit 1\) while installing 1\.47\.0/);
  assert.match(run.stdout, /Server state: nothing was restarted; Synapse 1\.46\.0 keeps serving/);
  assert.match(run.stdout, /Full transcript: .*transcript\.log/);
  assert.equal(await hs.serverVersion(), '1.46.0');
  assert.equal(hs.pid(), pid);
  const journal = await journalOf(state);
  assert.equal(journal.outcome, 'failed');
  assert.doesNotMatch(await readFile(journal.transcript, 'utf8'), /synctl/);
});
