import { missingTool } from '../helpers/tools.js';
// Without a terminal to ask on (and without --yes) the wizard must refuse at once: exit 2, a sentence naming
// --yes, nothing changed. Needs `npm run build` first (it runs bin/synapse-upgrade.mjs).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { execa } from 'execa';
import { createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { BIN, runCli, wizardEnv } from '../helpers/cli.js';
import { TmuxSession, tmuxAvailable } from '../helpers/tmux.js';

let root: string;
let hs: StandinInstall;
let env: Record<string, string>;
const sessions: TmuxSession[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'su-noterm-'));
  hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort() });
  await hs.start();
  env = wizardEnv(hs.wheelhouse, join(root, 'state'));
  for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) delete env[key];
});
after(async () => {
  await Promise.all(sessions.map((s) => s.kill().catch(() => undefined)));
  await hs?.kill().catch(() => undefined);
  if (root) await rm(root, { recursive: true, force: true });
});

/** The refusal: exit 2 and a sentence saying to use --yes. */
function assertRefused(exitCode: number, stderr: string, stdout: string): void {
  assert.equal(exitCode, 2, `exit ${exitCode}\n${stdout}\n${stderr}`);
  assert.match(stderr, /^[A-Z][^\n]*\bpass --yes\b[^\n]*\.$/m, stderr);
  assert.match(stderr, /no terminal/i, stderr);
}

/** Nothing moved: the same process serves the same version, and the venv still holds it. */
async function assertUnchanged(pid: number | undefined): Promise<void> {
  assert.equal(await hs.serverVersion(), '1.46.0');
  assert.equal(hs.pid(), pid);
  const { stdout } = await execa(hs.bin('python'), ['-c', 'import importlib.metadata as m; print(m.version("matrix-synapse"))']);
  assert.equal(stdout.trim(), '1.46.0');
}

test('no terminal and no --yes: exit 2 with a sentence telling to use --yes, nothing changed', async () => {
  const pid = hs.pid();
  const started = Date.now();
  for (const args of [['--venv', hs.venv], ['--venv', hs.venv, '--target', '1.47.0'], []]) {
    const run = await runCli(args, env, 30_000);
    assertRefused(run.exitCode, run.stderr, run.stdout);
    assert.doesNotMatch(run.stdout, /Upgrade to which version|Upgrade Synapse/);
  }
  assert.ok(Date.now() - started < 20_000, 'the refusal comes at once, before any look at the server');
  await assertUnchanged(pid);
});

test('a terminal but CI set, or TERM=dumb, counts as no terminal: exit 2 naming --yes', async (t: TestContext) => {
  if (missingTool(t, tmuxAvailable() ? undefined : 'tmux not installed')) return;
  const pid = hs.pid();
  for (const extra of [{ CI: 'true' }, { TERM: 'dumb' }] as Record<string, string>[]) {
    const session = await TmuxSession.start([process.execPath, BIN, '--venv', hs.venv], { env: { ...env, TERM: 'xterm-256color', ...extra } });
    sessions.push(session);
    assert.equal(await session.exitCode(20_000), 2, `${JSON.stringify(extra)}:\n${await session.capture()}`);
    const screen = await session.capture({ joined: true });
    assert.match(screen, /pass --yes/, `${JSON.stringify(extra)}:\n${screen}`);
    assert.doesNotMatch(screen, /Upgrade to which version/);
    await session.kill();
  }
  await assertUnchanged(pid);
});

test('--dry-run without a terminal needs no --yes: it walks the plan with the safe defaults and changes nothing', async () => {
  const pid = hs.pid();
  const run = await runCli(['--venv', hs.venv, '--target', '1.47.0', '--dry-run'], env, 60_000);
  assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /this dry run takes the safe default at each, as with --yes/);
  assert.match(run.stdout, /\(dry run, not run\) \$ \S+\/pip install /);
  assert.match(run.stdout, /Dry run: nothing was changed/);
  const json = await runCli(['--venv', hs.venv, '--target', '1.47.0', '--dry-run', '--json'], env, 60_000);
  assert.equal(json.exitCode, 0, `${json.stdout}\n${json.stderr}`);
  const result = json.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; result?: { outcome: string } })
    .find((e) => e.type === 'result');
  assert.equal(result?.result?.outcome, 'dry-run');
  await assertUnchanged(pid);
});
