// Ctrl+C in the Ink screen while a command runs asks what to do with it: leave it running and quit (exit 3, the
// session resumable, the command carrying on), or stop it (the step fails, nothing else runs). A real terminal
// (tmux), real pip held half-way by a slow mirror. Needs `npm run build` first.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { BIN, wizardEnv } from '../helpers/cli.js';
import { jobsOf, journalOf, runReattaching, sessionDirOf, waitUntil, assertNoDuplicateCommand, processGone } from '../helpers/resume.js';
import { missingTool } from '../helpers/tools.js';
import { slowIndexEnv, startSlowIndex, type SlowIndex } from '../helpers/slow-index.js';
import { TmuxSession, tmuxAvailable } from '../helpers/tmux.js';

let hs: StandinInstall | undefined;
let index: SlowIndex | undefined;
let root: string | undefined;
const sessions: TmuxSession[] = [];
before(async () => {
  if (!tmuxAvailable()) return;
  root = await mkdtemp(join(tmpdir(), 'su-resume-ctrlc-'));
  hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort() });
  await hs.start();
  index = await startSlowIndex(hs.wheelhouse);
});
after(async () => {
  for (const s of sessions) await s.kill().catch(() => {});
  await index?.close();
  await hs?.kill().catch(() => {});
  if (root) await rm(root, { recursive: true, force: true, maxRetries: 5 }).catch(() => {});
});

/** The wizard on a 100×30 terminal, unattended (--yes) but on screen, with pip pointed at the slow mirror. */
async function onScreen(target: string, state: string) {
  const env = wizardEnv(hs!.wheelhouse, state, { ...slowIndexEnv(index!), TERM: 'xterm-256color' });
  const session = await TmuxSession.start([process.execPath, BIN, '--venv', hs!.venv, '--target', target, '--yes'], { env, width: 100, height: 30 });
  sessions.push(session);
  return session;
}

/** Ctrl+C while pip downloads, then the choice on `label` (Down presses from "Keep going"). */
async function ctrlC(session: TmuxSession, downs: number, label: RegExp) {
  await session.sendKeys('C-c');
  const screen = await session.waitFor(/Quit the wizard now\?/, 5000, { joined: true });
  assert.match(screen, /Its command is running: \S*pip install/);
  assert.match(screen, /❯ Keep going/);
  await session.sendKeys(...Array<string>(downs).fill('Down'));
  await session.waitFor(new RegExp(`❯ ${label.source}`), 5000);
  await session.sendKeys('Enter');
}

test('Ctrl+C, "leave the command running": exit 3, pip carries on; resume finishes, installing once', async (t) => {
  if (missingTool(t, tmuxAvailable() ? undefined : 'tmux is not installed')) return;
  const state = join(root!, 'state-leave');
  index!.hold(/^matrix_synapse-1\.47\.0-py3-none-any\.whl$/);
  const held = index!.held();
  const session = await onScreen('1.47.0', state);
  await held;
  await session.waitFor(/Install the new version/, 10_000);
  await ctrlC(session, 1, /Quit, leave the command running/);
  assert.equal(await session.exitCode(10_000), 3, await session.capture());
  const screen = await session.capture({ joined: true });
  assert.match(screen, /The command keeps running on its own \(pid \d+\)/);
  const journal = await journalOf(state);
  assert.equal(journal.outcome, 'interrupted');
  assert.deepEqual(
    journal.events?.map((e) => [e.kind, e.reason, e.step]),
    [['interrupted', 'quit at your request', 'install']],
  );
  const pip = (await jobsOf(await sessionDirOf(state))).at(-1)!;
  assert.ok(pip.started && !pip.exit, 'pip still runs');

  const resumed = await runReattaching(['resume', '--yes'], wizardEnv(hs!.wheelhouse, state, slowIndexEnv(index!)), () => index!.release());
  assert.equal(resumed.code, 0, resumed.output);
  assert.equal(await hs!.serverVersion(), '1.47.0');
  await assertNoDuplicateCommand(await journalOf(state));
  assert.equal(index!.downloads.get('matrix_synapse-1.47.0-py3-none-any.whl'), 1);
});

test('Ctrl+C, "stop the command": pip is stopped, the install fails, nothing is restarted', async (t) => {
  if (missingTool(t, tmuxAvailable() ? undefined : 'tmux is not installed')) return;
  const state = join(root!, 'state-stop');
  const pid = hs!.pid();
  index!.hold(/^matrix_synapse-1\.48\.0-py3-none-any\.whl$/);
  const held = index!.held();
  const session = await onScreen('1.48.0', state);
  await held;
  await session.waitFor(/Install the new version/, 10_000);
  const pipJob = await waitUntil(
    async () => (await jobsOf(await sessionDirOf(state))).find((j) => j.argv.includes('matrix-synapse==1.48.0') && j.started),
    10_000,
    'the pip job',
  );
  await ctrlC(session, 2, /Stop the command/);
  assert.equal(await session.exitCode(20_000), 1, await session.capture());
  assert.match(await session.capture({ joined: true }), /The install command failed \(exit 143\)/);
  const job = (await jobsOf(await sessionDirOf(state))).find((j) => j.dir === pipJob.dir)!;
  assert.equal(job.exit?.exitCode, 143);
  const started = JSON.parse(await (await import('node:fs/promises')).readFile(join(await sessionDirOf(state), 'jobs', job.dir, 'started.json'), 'utf8'));
  assert.ok(processGone(started.pid), 'pip is gone');
  index!.release();
  const journal = await journalOf(state);
  assert.equal(journal.outcome, 'failed');
  assert.equal(journal.steps.find((s) => s.id === 'install')?.status, 'failed');
  assert.ok(!journal.steps.some((s) => s.id === 'restart'), 'nothing was restarted');
  assert.equal(await hs!.serverVersion(), '1.47.0');
  assert.equal(hs!.pid(), pid);
});

test('Ctrl+C, question left open: pip ends, but no next step starts until it is answered; "Keep going" then finishes', async (t) => {
  if (missingTool(t, tmuxAvailable() ? undefined : 'tmux is not installed')) return;
  const state = join(root!, 'state-hold');
  const pid = hs!.pid();
  const from = await hs!.serverVersion();
  index!.hold(/^matrix_synapse-1\.48\.0-py3-none-any\.whl$/);
  const held = index!.held();
  const session = await onScreen('1.48.0', state);
  await held;
  await session.waitFor(/Install the new version/, 10_000);
  await session.sendKeys('C-c');
  await session.waitFor(/Quit the wizard now\?/, 5000, { joined: true });
  index!.release(); // pip finishes while the question is open
  const dir = await sessionDirOf(state);
  await waitUntil(async () => (await jobsOf(dir)).find((j) => j.argv.includes('matrix-synapse==1.48.0') && j.exit), 30_000, 'pip to finish');
  await new Promise((resolve) => setTimeout(resolve, 4000));
  const journal = await journalOf(state);
  assert.ok(
    !journal.steps.some((s) => ['config-check', 'restart', 'wait', 'verify'].includes(s.id)),
    JSON.stringify(journal.steps.map((s) => [s.id, s.status])),
  );
  assert.equal(journal.outcome, undefined, 'the session has not ended');
  assert.equal(hs!.pid(), pid, 'Synapse was not restarted');
  assert.equal(await hs!.serverVersion(), from);
  assert.match(await session.capture({ joined: true }), /Quit the wizard now\?[\s\S]*❯ Keep going/);
  await session.sendKeys('Enter');
  assert.equal(await session.exitCode(60_000), 0, await session.capture());
  assert.equal(await hs!.serverVersion(), '1.48.0');
});
