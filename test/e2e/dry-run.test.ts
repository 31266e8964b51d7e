import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { runCli, wizardEnv } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const started: StandinInstall[] = [];
after(async () => {
  await Promise.all(started.map((s) => s.kill().catch(() => {})));
});

async function homeserver(version: string, extraConfig?: Record<string, unknown>) {
  const root = await tempDir('su-dry-');
  const hs = await createStandinInstall({ root, version, port: await freePort(), ...(extraConfig ? { extraConfig } : {}) });
  started.push(hs);
  await hs.start();
  return { hs, root, state: join(root, 'state'), env: wizardEnv(hs.wheelhouse, join(root, 'state')) };
}

/** Everything a dry run must leave alone: installed packages, config files, the database, the server process. */
async function snapshot(hs: StandinInstall) {
  const freeze = await execa(join(hs.venv, 'bin', 'python'), ['-m', 'pip', 'list', '--format=freeze', '--disable-pip-version-check'], {
    env: { PIP_CONFIG_FILE: '/dev/null' },
  });
  const hash = createHash('sha256');
  for (const name of (await readdir(hs.root)).filter((n) => n.endsWith('.yaml') || n.endsWith('.config')).sort()) {
    hash.update(name).update(await readFile(join(hs.root, name)));
  }
  const db = createHash('sha256')
    .update(await readFile(hs.dbPath))
    .digest('hex');
  return { packages: freeze.stdout, config: hash.digest('hex'), db, pid: hs.pid() };
}

test('--dry-run probes for real, shows every change exactly, and changes nothing', async () => {
  const { hs, env, state } = await homeserver('1.46.0');
  const before = await snapshot(hs);
  const run = await runCli(['--venv', hs.venv, '--target', '1.47.0', '--dry-run', '--yes'], env);
  assert.equal(run.exitCode, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /ok: Check that pip can install matrix-synapse 1\.47\.0 \(changes nothing\): Would install matrix-synapse-1\.47\.0/);
  assert.match(run.stdout, /\(dry run, not run\) \$ \S+\/env\/bin\/pip install --disable-pip-version-check --upgrade matrix-synapse==1\.47\.0/);
  assert.match(run.stdout, /\(dry run, not run\) \$ \S+\/env\/bin\/synctl restart \S+homeserver\.yaml\n {7}as \S+ in/);
  assert.match(run.stdout, /\[--\] wait: assumed: /);
  assert.match(run.stdout, /Dry run: nothing was changed/);
  assert.deepEqual(await snapshot(hs), before);
  const [folder] = await readdir(state);
  assert.deepEqual(await readdir(join(state, folder!)), ['dry-run-transcript.log']);
});

test('plan writes a POSIX script that passes sh -n and, run for real, upgrades like the wizard', async () => {
  const { hs, env, root } = await homeserver('1.46.0');
  const script = join(root, 'plan.sh');
  const plan = await runCli(['plan', '--venv', hs.venv, '--target', '1.47.0', '--script', script], env);
  assert.equal(plan.exitCode, 0, plan.stderr);
  const text = await readFile(script, 'utf8');
  assert.match(text, /^#!\/bin\/sh\n# Upgrade plan for example\.test: Synapse 1\.46\.0 -> 1\.47\.0/);
  assert.match(text, /\nset -eu\n/);
  assert.match(text, /#\s+\[action\] v1\.47\.0 /);
  assert.equal(hs.pid() !== undefined, true);
  assert.equal(await hs.serverVersion(), '1.46.0', 'planning changes nothing');
  const check = await execa('sh', ['-n', script], { reject: false });
  assert.equal(check.exitCode, 0, check.stderr);
  const real = await execa('sh', [script], { env, extendEnv: false, reject: false, all: true });
  assert.equal(real.exitCode, 0, real.all);
  assert.match(real.all ?? '', /Synapse answers 1\.47\.0\nSynapse now runs 1\.47\.0\./);
  assert.equal(await hs.serverVersion(), '1.47.0');
});

test('--json prints one event per line, every line parses, the result comes last', async () => {
  const { hs, env } = await homeserver('1.46.0');
  const run = await runCli(['--venv', hs.venv, '--target', '1.47.0', '--yes', '--json'], env);
  assert.equal(run.exitCode, 0, run.stderr);
  const events = run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; result?: { outcome: string; exitCode: number; downtimeMs: number } });
  const types = new Set(events.map((e) => e.type));
  for (const type of [
    'session.started',
    'detected',
    'step.started',
    'step.finished',
    'command.started',
    'command.output',
    'command.finished',
    'question',
    'answer',
    'result',
  ]) {
    assert.ok(types.has(type), `missing ${type} event`);
  }
  const last = events.at(-1);
  assert.equal(last?.type, 'result');
  assert.equal(last?.result?.outcome, 'upgraded');
  assert.equal(last?.result?.exitCode, 0);
  assert.ok((last?.result?.downtimeMs ?? -1) >= 0);
});

test('exit codes: 4 for an applicable breaking note under --yes, 2 for bad input, 0 when accepted', async () => {
  const { hs, env } = await homeserver('1.47.0', { trust_identity_server_for_password_resets: true });
  const refused = await runCli(['--venv', hs.venv, '--target', '1.48.0', '--yes', '--json'], env);
  assert.equal(refused.exitCode, 4, refused.stdout);
  const result = JSON.parse(refused.stdout.trim().split('\n').at(-1)!) as { result: { lines: string[] } };
  assert.match(result.result.lines.join('\n'), /Refused by a note: .*v1-48-top-level-trust-identity-server-error/);
  assert.match(result.result.lines.join('\n'), /homeserver\.yaml:\d+/);
  const accepted = await runCli(
    ['--venv', hs.venv, '--target', '1.48.0', '--yes', '--dry-run', '--accept-notes', 'v1-48-top-level-trust-identity-server-error'],
    env,
  );
  assert.equal(accepted.exitCode, 0, accepted.stdout);
  const usage = await runCli(['--venv', hs.venv, '--target', 'not-a-version', '--yes'], env);
  assert.equal(usage.exitCode, 2);
  assert.match(usage.stdout, /not a Synapse version/);
  const noJsonWithoutYes = await runCli(['--venv', hs.venv, '--json'], env);
  assert.equal(noJsonWithoutYes.exitCode, 2);
  assert.match(noJsonWithoutYes.stderr, /--json needs --yes/);
});
