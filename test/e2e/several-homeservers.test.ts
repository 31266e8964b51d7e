import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { buildWheelhouse, createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { pipEnv } from '../../src/demo/standin-util.js';
import { BIN, runCli, wizardEnv } from '../helpers/cli.js';
import { TmuxSession, tmuxAvailable } from '../helpers/tmux.js';
import { missingTool } from '../helpers/tools.js';
import { needPidNamespace, openPidNamespace, type PidNamespace } from '../real/helpers/pidns.js';

// Two homeservers on one host, each laid out as the docs say (its own folder, venv and config) and
// started with `cd <folder> && synctl start` (stand-in Synapse: relative -c, daemon in /). Other
// tests' homeservers may run at the same time: assertions look for these two, never count everything.
const started: StandinInstall[] = [];
const roots: string[] = [];
const screens: TmuxSession[] = [];
after(async () => {
  await Promise.all(screens.map((s) => s.kill().catch(() => {})));
  await Promise.all(started.map((s) => s.kill().catch(() => {})));
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

/** Started in `ns` when given (its processes die with the namespace, so they are not killed by pid from outside). */
async function homeserver(name: string, wheelhouse: string, ns?: PidNamespace): Promise<StandinInstall> {
  const root = await mkdtemp(join(tmpdir(), `su-several-${name}-`));
  roots.push(root);
  const hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort(), serverName: `${name}.test`, wheelhouse });
  if (!ns) started.push(hs);
  const [file, args] = ns ? ns.wrap(hs.bin('synctl'), ['start'], root) : [hs.bin('synctl'), ['start']];
  const run = await execa(file, args, { cwd: root, env: { ...pipEnv(), PWD: root }, extendEnv: false, reject: false, all: true });
  assert.equal(run.exitCode, 0, String(run.all));
  return hs;
}

async function pair(ns?: PidNamespace) {
  const wheelhouse = await buildWheelhouse();
  const a = await homeserver('alpha', wheelhouse, ns);
  const b = await homeserver('beta', wheelhouse, ns);
  const state = await mkdtemp(join(tmpdir(), 'su-several-state-'));
  roots.push(state);
  return { a, b, state, env: wizardEnv(wheelhouse, state) };
}

/** Both homeservers as they were: same pid, same version. */
async function untouched(...servers: { hs: StandinInstall; pid: number | undefined }[]): Promise<void> {
  for (const { hs, pid } of servers) {
    assert.equal(hs.pid(), pid, `${hs.configPath} was restarted`);
    assert.equal(await hs.serverVersion(), '1.46.0', `${hs.configPath} changed version`);
  }
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

test('two homeservers running: detect lists both with evidence; --yes refuses naming every config; --url and -c pick one; status and rollback act on the recorded one', async () => {
  const { a, b, state, env } = await pair();
  const before = [
    { hs: a, pid: a.pid() },
    { hs: b, pid: b.pid() },
  ];

  const detect = await runCli(['detect', '--json'], env);
  assert.equal(detect.exitCode, 0, detect.stdout + detect.stderr);
  const report = JSON.parse(detect.stdout);
  assert.equal(report.ambiguous, true);
  const all = [report, ...report.candidates] as { configPaths: string[]; evidence: string[] }[];
  for (const hs of [a, b]) {
    const found = all.find((c) => c.configPaths[0] === hs.configPath);
    assert.ok(found, `${hs.configPath} missing from ${detect.stdout}`);
    assert.ok(
      found.evidence.some((e) => e.includes(`the running homeserver (pid ${hs.pid()})`)),
      found.evidence.join('\n'),
    );
  }
  const text = await runCli(['detect'], env);
  assert.match(text.stdout, /Also as plausible/);
  for (const hs of [a, b]) assert.match(text.stdout, new RegExp(escape(hs.configPath)));

  const refused = await runCli(['--target', '1.47.0', '--yes'], env);
  assert.equal(refused.exitCode, 2, refused.stdout + refused.stderr);
  for (const hs of [a, b]) assert.match(refused.stdout, new RegExp(`Configs: .*${escape(hs.configPath)}`));
  assert.match(refused.stdout, /--config PATH/);
  await untouched(...before);

  // --url names B's client listener: B alone is upgraded.
  const viaUrl = await runCli(['--url', `http://127.0.0.1:${b.port}`, '--target', '1.47.0', '--yes'], env);
  assert.equal(viaUrl.exitCode, 0, viaUrl.stdout + viaUrl.stderr);
  assert.match(viaUrl.stdout, new RegExp(`its client listener http://127\\.0\\.0\\.1:${b.port} is the --url`));
  assert.equal(await b.serverVersion(), '1.47.0');
  await untouched(before[0]!);

  // status and rollback, told nothing: the homeserver recorded in the session (B), not a fresh guess.
  const status = await runCli(['status', '--json'], env);
  assert.equal(status.exitCode, 0, status.stdout + status.stderr);
  assert.equal(JSON.parse(status.stdout).install.configPaths[0], b.configPath);
  const back = await runCli(['rollback', '--yes'], env);
  assert.equal(back.exitCode, 0, back.stdout + back.stderr);
  assert.equal(await b.serverVersion(), '1.46.0');
  await untouched(before[0]!);

  // -c names A: A alone is upgraded. Now two sessions are recorded: status and rollback ask which (exit 2).
  const viaConfig = await runCli(['-c', a.configPath, '--target', '1.47.0', '--yes'], env);
  assert.equal(viaConfig.exitCode, 0, viaConfig.stdout + viaConfig.stderr);
  assert.equal(await a.serverVersion(), '1.47.0');
  assert.equal(await b.serverVersion(), '1.46.0');
  const bPid = b.pid();
  for (const args of [['status'], ['rollback', '--yes']]) {
    const which = await runCli(args, env);
    assert.equal(which.exitCode, 2, `${args.join(' ')}: ${which.stdout}${which.stderr}`);
    for (const hs of [a, b]) assert.match(which.stdout + which.stderr, new RegExp(escape(hs.configPath)));
  }
  const statusA = await runCli(['status', '--json', '-c', a.configPath], env);
  assert.equal(JSON.parse(statusA.stdout).install.configPaths[0], a.configPath);
  assert.equal(b.pid(), bPid);
  void state;
  await Promise.all([a.kill(), b.kill()]); // the next tests look at running homeservers too
});

test('resume acts on the homeserver of the interrupted session, though two are running; --demo touches neither', async () => {
  const { a, b, env } = await pair();
  const bBefore = { hs: b, pid: b.pid() };
  // Killed (-9) right after the install step is recorded as running, while upgrading A.
  const killed = await runCli(['-c', a.configPath, '--target', '1.47.0', '--yes'], { ...env, SYNAPSE_UPGRADE_TEST_KILL_AT: 'install:running' });
  assert.notEqual(killed.exitCode, 0, killed.stdout);
  const resumed = await runCli(['resume', '--yes'], env);
  assert.equal(resumed.exitCode, 0, resumed.stdout + resumed.stderr);
  assert.match(resumed.stdout, new RegExp(escape(a.configPath)));
  assert.equal(await a.serverVersion(), '1.47.0');
  await untouched(bBefore);

  const aPid = a.pid();
  const demo = await runCli(['--demo', '--target', '1.47.0', '--yes'], env, 240_000);
  const sandbox = /files stay in (\S+?)\.?$/m.exec(demo.stderr)?.[1];
  if (sandbox) roots.push(sandbox);
  assert.equal(demo.exitCode, 0, demo.stdout + demo.stderr);
  assert.match(demo.stdout, /Synapse now runs 1\.47\.0/);
  assert.equal(a.pid(), aPid);
  assert.equal(await a.serverVersion(), '1.47.0');
  await untouched(bBefore);
  await Promise.all([a.kill(), b.kill()]);
});

test('two homeservers running, in a real terminal: the wizard asks which one (a select) and goes on with the one chosen', async (t) => {
  if (missingTool(t, tmuxAvailable() ? undefined : 'tmux is not installed')) return;
  // In a pid namespace of its own (the homeservers and the wizard): the select then lists these two and
  // no homeserver of a test running beside it, so the screen is the one an admin with two sees.
  if (!(await needPidNamespace(t))) return;
  const ns = await openPidNamespace();
  t.after(() => ns.close());
  const { a, b, env } = await pair(ns);
  const outer = (hs: StandinInstall) => ns.outerPid(Number.parseInt(readFileSync(hs.pidFile, 'utf8'), 10));
  const before = [a, b].map((hs) => ({ hs, pid: outer(hs) }));
  assert.ok(
    before.every((x) => x.pid !== undefined),
    'both homeservers run in the namespace',
  );
  for (const key of ['CI', 'CONTINUOUS_INTEGRATION', 'NO_COLOR', 'FORCE_COLOR']) delete env[key];
  const [file, args] = ns.wrap(process.execPath, [BIN, '--target', '1.47.0', '--dry-run'], process.cwd());
  const session = await TmuxSession.start([file, ...args], { env: { ...env, TERM: 'xterm-256color' }, width: 220, height: 60 });
  screens.push(session);
  const screen = await session.waitFor(/2 Synapse homeservers were found here\. Which one should be upgraded\?/, 60_000);
  // The select's items are "❯ pip: …" / "  pip: …" (one space after the marker); the numbered details above them
  // ("  1. pip install …") name the configs too and must not be taken for items.
  const lines = screen.split('\n');
  const item = /^[❯ ] [a-z]+: /;
  const items = lines.filter((l) => item.test(l));
  assert.equal(items.length, 2, screen);
  const selected = lines.findIndex((l) => l.startsWith('❯ ') && item.test(l));
  const target = lines.findIndex((l) => item.test(l) && l.includes(`config ${a.configPath}`));
  assert.ok(selected >= 0 && target >= 0, screen);
  assert.ok(
    items.some((l) => l.includes(`config ${b.configPath}`)),
    screen,
  );
  const moves = target - selected;
  if (moves) await session.sendKeys(...Array<string>(Math.abs(moves)).fill(moves > 0 ? 'Down' : 'Up'));
  await session.waitFor(new RegExp(`^❯ .*config ${escape(a.configPath)}`, 'm'), 5000);
  await session.sendKeys('Enter');
  await session.waitFor(new RegExp(`Synapse 1\\.46\\.0 \\(pip\\) at ${escape(a.venv)}`), 60_000);
  await session.kill();
  for (const { hs, pid } of before) {
    assert.equal(outer(hs), pid, `${hs.configPath} was restarted`);
    assert.equal(await hs.serverVersion(), '1.46.0', `${hs.configPath} changed version`);
  }
});
