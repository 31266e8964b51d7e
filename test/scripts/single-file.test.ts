import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { DEV_BIN, wizardEnv } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUNDLE = join(ROOT, 'dist', 'synapse-upgrade.mjs');
const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };

let dir: string;
let single: string;
let hs: StandinInstall | undefined;
let renamedHs: StandinInstall | undefined;

/** Runs the copied single file from its empty folder, with no NODE_PATH (nothing to find dependencies through). */
async function runSingle(args: string[], env: Record<string, string>, timeout = 60_000, file = single) {
  const { NODE_PATH: _, NODE_OPTIONS: __, ...clean } = env;
  const result = await execa(process.execPath, [file, ...args], { cwd: dir, env: clean, extendEnv: false, reject: false, timeout, stdin: 'ignore', all: true });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), all: String(result.all) };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'su-single-'));
  single = join(dir, 'synapse-upgrade.mjs');
  await copyFile(BUNDLE, single); // only this file: no node_modules, no steps/, no package.json anywhere above
});
after(async () => {
  await hs?.kill().catch(() => {});
  await renamedHs?.kill().catch(() => {});
  // A demo sandbox that was left running (a failed run): stop it by its pid file.
  const demoTmp = join(dir, 'tmp');
  for (const name of await readdir(demoTmp).catch(() => [] as string[])) {
    const pid = Number((await readFile(join(demoTmp, name, 'homeserver.pid'), 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  await rm(dir, { recursive: true, force: true });
});

test('the single file is alone in its folder and answers --help and --version', async () => {
  assert.deepEqual(await readdir(dir), ['synapse-upgrade.mjs']);
  const help = await runSingle(['--help'], { PATH: process.env.PATH ?? '' });
  assert.equal(help.exitCode, 0, help.all);
  assert.match(help.stdout, /^Usage:/m);
  assert.match(help.stdout, /synapse-upgrade detect/);
  const ver = await runSingle(['--version'], { PATH: process.env.PATH ?? '' });
  assert.equal(ver.exitCode, 0, ver.all);
  assert.equal(ver.stdout.trim(), version);
});

test('the single file reads the embedded upgrade notes (no steps/ folder next to it)', async () => {
  const run = await runSingle(['notes', '--from', '1.46.0', '--to', '1.60.0', '--json'], { PATH: process.env.PATH ?? '' });
  assert.equal(run.exitCode, 0, run.all);
  assert.match(run.stdout, /1\.48\.0/);
});

test('the single file runs --dry-run --yes against a stand-in homeserver and changes nothing', { timeout: 90_000 }, async () => {
  const root = join(dir, 'hs');
  hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort() });
  await hs.start();
  assert.deepEqual((await readdir(dir)).sort(), ['hs', 'synapse-upgrade.mjs']);
  const env = wizardEnv(hs.wheelhouse, join(root, 'state'));
  const run = await runSingle(['--venv', hs.venv, '-c', hs.configPath, '--target', '1.47.0', '--dry-run', '--yes'], env);
  assert.equal(run.exitCode, 0, run.all);
  assert.match(run.stdout, /1\.46\.0 → 1\.47\.0/);
  assert.match(run.stdout, /[Dd]ry run/);
  assert.equal(await hs.serverVersion(), '1.46.0');
  const installed = await execa(hs.bin('python'), ['-c', 'import importlib.metadata as m; print(m.version("matrix-synapse"))']);
  assert.equal(installed.stdout.trim(), '1.46.0');
});

test(
  'test hooks are not in the single file: the bundle has no SYNAPSE_UPGRADE_TEST_ name, while the development build obeys them',
  { timeout: 90_000 },
  async () => {
    const text = await readFile(BUNDLE, 'utf8');
    assert.doesNotMatch(text, /SYNAPSE_UPGRADE_TEST_|KILL_AT/);
    // The same hook in the development build (tsc's dist/cli/main.js) kills the wizard at its first step boundary: the
    // check above is about a hook that exists, not a name that was never there.
    assert.ok(hs, 'the stand-in homeserver of the dry-run test');
    const env = wizardEnv(hs.wheelhouse, join(dir, 'hook-state'), { SYNAPSE_UPGRADE_TEST_KILL_AT: '*' });
    const dev = await execa(process.execPath, [DEV_BIN, '--venv', hs.venv, '-c', hs.configPath, '--target', '1.47.0', '--yes'], {
      env,
      extendEnv: false,
      reject: false,
      timeout: 60_000,
      stdin: 'ignore',
      all: true,
    });
    assert.equal(dev.signal, 'SIGKILL', String(dev.all));
  },
);

test('--demo works from the single file: the embedded stand-in sources build the wheels', { timeout: 90_000 }, async () => {
  // A fresh TMPDIR: no wheelhouse or sources cached from other runs, so the embedded copy is what gets built.
  const demoTmp = join(dir, 'tmp');
  await mkdir(demoTmp);
  const env = wizardEnv('/nonexistent', join(dir, 'demo-state'), { TMPDIR: demoTmp });
  for (const key of ['PIP_NO_INDEX', 'PIP_FIND_LINKS']) delete env[key]; // the demo points pip at its own wheelhouse
  const run = await runSingle(['--demo', '--yes', '--target', '1.47.0'], env, 85_000);
  assert.equal(run.exitCode, 0, run.all);
  assert.match(run.stdout, /Synapse now runs 1\.47\.0 \(was 1\.46\.0\)/);
  const cached = await readdir(demoTmp);
  assert.ok(
    cached.some((name) => name.startsWith('synapse-upgrade-standin-src-')),
    cached.join(' '),
  );
  assert.ok(
    cached.some((name) => name.startsWith('synapse-upgrade-standin-wheels-')),
    cached.join(' '),
  );
});

test('renamed and moved (x/su.mjs), the single file upgrades a stand-in homeserver for real: it starts its own supervisor', { timeout: 120_000 }, async () => {
  // The bundle knows it is the bundle by a constant set at build time, not by its file name.
  const renamed = join(dir, 'x', 'su.mjs');
  await mkdir(join(dir, 'x'));
  await copyFile(BUNDLE, renamed);
  const root = join(dir, 'hs-renamed');
  renamedHs = await createStandinInstall({ root, version: '1.46.0', port: await freePort() });
  await renamedHs.start();
  // With the test hook that kills the wizard at every step boundary set: it is not in the single file.
  const env = wizardEnv(renamedHs.wheelhouse, join(root, 'state'), { SYNAPSE_UPGRADE_TEST_KILL_AT: '*' });
  const run = await runSingle(['--venv', renamedHs.venv, '-c', renamedHs.configPath, '--target', '1.47.0', '--yes'], env, 110_000, renamed);
  assert.equal(run.exitCode, 0, run.all);
  assert.doesNotMatch(run.all, /never started/);
  assert.equal(await renamedHs.serverVersion(), '1.47.0');
});
