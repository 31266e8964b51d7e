import { missingTool } from '../helpers/tools.js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { BIN, runCli, wizardEnv } from '../helpers/cli.js';
import { TmuxSession, tmuxAvailable } from '../helpers/tmux.js';

let hs: StandinInstall | undefined;
let root: string | undefined;
const sessions: TmuxSession[] = [];
after(async () => {
  for (const s of sessions) await s.kill().catch(() => {});
  await hs?.kill().catch(() => {});
  if (root) await rm(root, { recursive: true, force: true, maxRetries: 5 }).catch(() => {});
});

test('"Roll back" at the resume question puts the old version back after an interrupted upgrade', async (t) => {
  if (missingTool(t, tmuxAvailable() ? undefined : 'tmux is not installed')) return;
  root = await mkdtemp(join(tmpdir(), 'su-resume-rb-'));
  hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort() });
  await hs.start();
  const state = join(root, 'state');
  const env = wizardEnv(hs.wheelhouse, state);
  // The wizard is killed (SIGKILL) right after the install finished: 1.47.0 is installed, 1.46.0 still runs.
  const killed = await runCli(['--venv', hs.venv, '--target', '1.47.0', '--yes'], { ...env, SYNAPSE_UPGRADE_TEST_KILL_AT: 'install:done' });
  assert.notEqual(killed.exitCode, 0);
  assert.equal(await hs.serverVersion(), '1.46.0');

  const session = await TmuxSession.start([process.execPath, BIN, '--venv', hs.venv], { env: { ...env, TERM: 'xterm-256color' }, width: 100, height: 40 });
  sessions.push(session);
  await session.waitFor(/interrupted\. Carry it on\?/, 30_000, { joined: true });
  await session.waitFor(/❯ Resume/, 5000);
  await session.sendKeys('Down');
  await session.waitFor(/❯ Roll back to 1\.46\.0/, 5000);
  await session.sendKeys('Enter');
  // The rollback asks before it changes anything; its default is to go ahead.
  for (let i = 0; i < 3; i++) {
    const screen = await session.waitFor(/(Rolled back|\? .*(roll|Roll))/, 30_000, { joined: true });
    if (/Rolled back/.test(screen)) break;
    await session.sendKeys('Enter');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await session.waitFor(/Rolled back/, 60_000, { joined: true });
  assert.equal(await session.exitCode(30_000), 0, await session.capture());
  assert.equal(await hs.serverVersion(), '1.46.0');
  const status = await runCli(['status', '--json'], env);
  assert.equal(JSON.parse(status.stdout).outcome, 'rolled-back', status.stdout);
});
