import assert from 'node:assert/strict';
import { mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { pipEnv } from '../../src/demo/standin-util.js';
import { runCli, wizardEnv } from '../helpers/cli.js';

// Stand-in Synapse made to behave as the real one does here: its synctl passes the config path as
// typed (relative) and its daemon moves to `/`, so /proc/PID/cwd says nothing about where it started.
const started: StandinInstall[] = [];
const roots: string[] = [];
after(async () => {
  await Promise.all(started.map((s) => s.kill().catch(() => {})));
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

/** `cd ~/synapse && synctl start` as the docs say (a shell sets PWD); `withPwd: false` as a job runner without PWD. */
async function startedFromItsFolder(withPwd: boolean) {
  const root = await mkdtemp(join(tmpdir(), 'su-relative-'));
  roots.push(root);
  const hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort() });
  started.push(hs);
  const env = pipEnv();
  delete env.PWD;
  const run = await execa(hs.bin('synctl'), ['start'], { cwd: root, env: withPwd ? { ...env, PWD: root } : env, extendEnv: false, reject: false, all: true });
  assert.equal(run.exitCode, 0, String(run.all));
  const pid = hs.pid();
  assert.ok(pid, 'the daemon wrote its pid file');
  // The real layout: a relative -c, the daemon in /.
  const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  assert.equal(argv[argv.indexOf('-c') + 1], 'homeserver.yaml');
  assert.equal(await readlink(`/proc/${pid}/cwd`), '/');
  return { hs, pid: pid as number, env: wizardEnv(hs.wheelhouse, join(root, 'state')) };
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

test('cd ~/synapse && synctl start (relative -c, daemon in /): the config is resolved against PWD from /proc/PID/environ, the pid file confirms it, and the wizard upgrades', async () => {
  const { hs, pid, env } = await startedFromItsFolder(true);
  const detect = await runCli(['detect', '--json', '--venv', hs.venv], env);
  assert.equal(detect.exitCode, 0, detect.stdout + detect.stderr);
  const report = JSON.parse(detect.stdout);
  assert.deepEqual(report.configPaths, [hs.configPath]);
  const why = report.evidence.find((e: string) => e.includes('relative config'));
  assert.match(
    why ?? '',
    new RegExp(`pid ${pid} was started with the relative config homeserver\\.yaml: resolved against PWD=${escape(hs.root)} in /proc/${pid}/environ`),
    report.evidence.join('\n'),
  );
  assert.match(
    why,
    new RegExp(
      `its own working folder is /; confirmed: its pid_file ${escape(hs.pidFile)} holds pid ${pid}; the log it writes, ${escape(hs.logPath)}, is in that folder`,
    ),
  );

  // Without --venv too: among everything found, this homeserver with its real config.
  const all = await runCli(['detect', '--json'], env);
  const found = [JSON.parse(all.stdout || '{}'), ...(JSON.parse(all.stdout || '{}').candidates ?? [])];
  assert.ok(
    found.some((c: { configPaths?: string[] }) => c.configPaths?.[0] === hs.configPath),
    all.stdout + all.stderr,
  );

  const run = await runCli(['--venv', hs.venv, '--target', '1.47.0', '--yes'], env);
  assert.equal(run.exitCode, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /resolved against PWD=/);
  assert.doesNotMatch(run.stdout, /\/homeserver\.yaml does not exist/);
  assert.equal(await hs.serverVersion(), '1.47.0');
});

test('started without PWD (a job runner): the folder of the log the daemon writes decides, with the pid file agreeing', async () => {
  const { hs, pid, env } = await startedFromItsFolder(false);
  assert.doesNotMatch(await readFile(`/proc/${pid}/environ`, 'utf8'), /(^|\0)PWD=/);
  const detect = await runCli(['detect', '--json', '--venv', hs.venv], env);
  assert.equal(detect.exitCode, 0, detect.stdout + detect.stderr);
  const report = JSON.parse(detect.stdout);
  assert.deepEqual(report.configPaths, [hs.configPath]);
  const why = report.evidence.find((e: string) => e.includes('relative config')) ?? '';
  assert.match(
    why,
    new RegExp(
      `resolved against the folder of the log it writes, ${escape(hs.logPath)}; its own working folder is /; confirmed: its pid_file ${escape(hs.pidFile)} holds pid ${pid}`,
    ),
    report.evidence.join('\n'),
  );
  const dry = await runCli(['--venv', hs.venv, '--target', '1.47.0', '--yes', '--dry-run'], env);
  assert.equal(dry.exitCode, 0, dry.stdout + dry.stderr);
});
