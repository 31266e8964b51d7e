// Outside text that tries to drive the terminal: a version endpoint and HTTP error bodies with escape sequences, and
// homeserver.log lines written with them while Synapse migrates (stand-in Synapse, slow migration). In a real
// terminal (tmux) the pane title must not change and no colour may be drawn (the wizard's own colours are off
// with NO_COLOR); without a terminal the lines carry no control character; --json keeps the text exact.
// Needs `npm run build` first (it runs bin/synapse-upgrade.mjs).
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { BIN, runCli, wizardEnv } from '../helpers/cli.js';
import { missingTool } from '../helpers/tools.js';
import { colourCodes, TmuxSession, tmuxAvailable } from '../helpers/tmux.js';

const ESC = '\x1b';
/** Sets the pane title (OSC 2), paints red, and clears the screen. */
const ATTACK = `${ESC}]2;pwned${'\x07'}${ESC}[31m${ESC}]0;pwned-too${ESC}\\`;
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

let hs: StandinInstall;
let root: string;
let hostile: Server;
let answer: { status: number; body: string } = { status: 200, body: '{}' };
const sessions: TmuxSession[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'su-hostile-'));
  hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort() });
  await hs.start();
  hostile = createServer((_req, res) => {
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  await Promise.all(sessions.map((s) => s.kill().catch(() => undefined)));
  await new Promise((resolve) => hostile?.close(resolve));
  await hs?.kill().catch(() => {});
  if (root) await rm(root, { recursive: true, force: true, maxRetries: 5 }).catch(() => {});
});

const hostileUrl = (): string => `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;

test('detect: a hostile version string and error body reach the lines without control characters; --json keeps them exact', async () => {
  const env = wizardEnv(hs.wheelhouse, join(root, 'state-detect'));
  answer = { status: 200, body: JSON.stringify({ server_version: `1.46.0 ${ATTACK}RED ${'v'.repeat(200)}` }) };
  const plain = await runCli(['detect', '--venv', hs.venv, '--url', hostileUrl()], env);
  assert.equal(plain.exitCode, 0, plain.stderr);
  const running = plain.stdout.split('\n').find((l) => l.startsWith('Running:')) ?? '';
  assert.doesNotMatch(plain.stdout, CONTROL);
  assert.match(running, /^Running: {3}1\.46\.0 RED v+…$/);
  assert.ok(running.length <= 'Running:   '.length + 64, 'the version string is cut at 64 characters');

  answer = { status: 502, body: `<h1>${ATTACK}Bad gateway ${'z'.repeat(5000)}</h1>` };
  const failed = await runCli(['detect', '--venv', hs.venv, '--url', hostileUrl()], env);
  assert.doesNotMatch(failed.stdout + failed.stderr, CONTROL);
  assert.match(failed.stdout, /not answering \(the version endpoint answered HTTP 502 instead of 200 \("<h1>Bad gateway z+…"\)\)/);
  const json = await runCli(['detect', '--json', '--venv', hs.venv, '--url', hostileUrl()], env);
  assert.doesNotMatch(json.stdout, CONTROL, 'no raw control character in the JSON text');
  assert.ok(String(JSON.parse(json.stdout).runningProblem).includes(`<h1>${ATTACK}Bad gateway`), 'the JSON value is exact');
});

async function inTmux(args: string[], state: string): Promise<TmuxSession> {
  const env = wizardEnv(hs.wheelhouse, state);
  for (const key of ['CI', 'CONTINUOUS_INTEGRATION', 'FORCE_COLOR']) delete env[key];
  Object.assign(env, { TERM: 'xterm-256color', NO_COLOR: '1' });
  const session = await TmuxSession.start([process.execPath, BIN, ...args], { env, cwd: root, width: 100, height: 30 });
  sessions.push(session);
  return session;
}

test('tmux: an HTTP error body with escape sequences neither renames the pane nor paints it', async (t) => {
  if (!tmuxAvailable()) return void missingTool(t, 'tmux is not installed');
  answer = { status: 500, body: `${ATTACK}REDTEXT${ESC}[0m` };
  const session = await inTmux(['--venv', hs.venv, '--url', hostileUrl(), '--target', '1.47.0', '--yes'], join(root, 'state-tmux-500'));
  const title = await session.display('#{pane_title}');
  const screen = await session.waitFor(/REDTEXT/, 30_000, { joined: true });
  assert.match(screen.replace(/ ?\n/g, ' '), /but not as Synapse: the version endpoint answered HTTP 500 instead of 200 \("REDTEXT"\)/);
  assert.equal(await session.exitCode(30_000), 2);
  assert.doesNotMatch(await session.display('#{pane_title}'), /pwned/, 'the pane title was changed');
  assert.equal(await session.display('#{pane_title}'), title);
  assert.deepEqual(colourCodes(await session.capture({ escapes: true })), [], 'a colour was drawn');
});

test('tmux: homeserver.log lines with escape sequences, shown while Synapse migrates (stand-in), change nothing on the terminal', async (t) => {
  if (!tmuxAvailable()) return void missingTool(t, 'tmux is not installed');
  await hs.writeConfig({ migrationSeconds: 15 }); // long enough that the appended line is drawn while it migrates
  try {
    // 1.49.0: the stand-in migrates only when there are schema deltas to apply (1.46 and 1.47 share schema 65).
    const session = await inTmux(['--venv', hs.venv, '--target', '1.49.0', '--yes'], join(root, 'state-tmux-log'));
    const title = await session.display('#{pane_title}');
    await session.waitFor(/Waiting \d+ s for Synapse: applying schema delta 66\/01/, 60_000); // the new process is migrating
    await appendFile(hs.logPath, `2026-01-01 00:00:00,000 - synapse.storage - 1 - INFO - main - ${ATTACK}LOGRED marker\n`);
    const seen = await session.waitFor(/LOGRED marker/, 15_000);
    assert.doesNotMatch(seen, /\]2;|\[31m/);
    assert.equal(await session.exitCode(90_000), 0, await session.capture());
    assert.equal(await session.display('#{pane_title}'), title, 'the pane title was changed');
    assert.deepEqual(colourCodes(await session.capture({ escapes: true })), [], 'a colour was drawn');
    assert.equal(await hs.serverVersion(), '1.49.0');
  } finally {
    await hs.writeConfig({ migrationSeconds: 0 });
  }
});
