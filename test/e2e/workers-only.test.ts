import assert from 'node:assert/strict';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { runCli, wizardEnv } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { writeWorkerConfig } from '../../src/demo/standin-workers.js';

/**
 * A workers-only host on this machine: the main process (a stand-in homeserver in its own virtualenv, at 1.47.0) and
 * a "worker host" with its own virtualenv (1.46.0), its copy of the shared homeserver.yaml and a workers/ folder whose
 * two workers run from that virtualenv against the main's database, each with its own client listener on loopback.
 */
let root: string;
let main: StandinInstall;
let host: StandinInstall;
let hostConfig: string;
let workersDir: string;
const ports: number[] = [];

const synctl = (action: string) => execa(host.bin('synctl'), [action, hostConfig, '-a', workersDir], { reject: false, all: true });

before(async () => {
  root = await tempDir('su-workers-only-');
  const [mainPort, hostPort] = [await freePort(), await freePort()];
  // Both virtualenvs at once (most of this file's time): the main's wheelhouse is the cached one both use.
  [main, host] = await Promise.all([
    createStandinInstall({ root: join(root, 'main'), version: '1.47.0', port: mainPort }),
    createStandinInstall({ root: join(root, 'host'), version: '1.46.0', port: hostPort }),
  ]);
  await main.start();
  // The worker host's shared config is the main's (same database, same server name), copied as a deployment would.
  hostConfig = join(root, 'host', 'homeserver.yaml');
  await copyFile(main.configPath, hostConfig);
  workersDir = join(root, 'host', 'workers');
  for (const name of ['client_reader', 'sync_worker']) {
    const port = await freePort();
    ports.push(port);
    await writeWorkerConfig(workersDir, name, port, join(root, 'host'));
  }
  const started = await synctl('start');
  assert.equal(started.exitCode, 0, started.all);
});

after(async () => {
  await synctl('stop').catch(() => {});
  await main?.kill().catch(() => {});
});

const workerVersion = async (port: number): Promise<string> => {
  const res = await fetch(`http://127.0.0.1:${port}/_matrix/client/versions`, { signal: AbortSignal.timeout(3000) });
  await res.body?.cancel();
  return String(res.headers.get('server')).replace(/^Synapse\//, '');
};

interface ResultEvent {
  outcome: string;
  exitCode: number;
  from: string | null;
  to: string | null;
  downtimeMs: number | null;
  rolledBack: boolean;
  notesRefused: string[];
  workersVerified?: { name: string; url: string; version: string }[];
  lines: string[];
}
const resultOf = (stdout: string): ResultEvent => {
  const last = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { type: string; result: ResultEvent };
  assert.equal(last.type, 'result');
  return last.result;
};
const env = (state: string) => wizardEnv(main.wheelhouse, join(root, state));
const workersOnly = ['--workers-only', '--yes', '--json'];

test('stand-in: a workers-only host follows its main process: refused ahead of it, upgraded to its version (killed and resumed) and each worker verified, then up to date, rolled back', async () => {
  const mainUrl = main.url;
  assert.deepEqual(await Promise.all(ports.map(workerVersion)), ['1.46.0', '1.46.0']);

  // Never ahead of the main: a --target other than the main's version is a usage error, nothing changes.
  const ahead = await runCli([...workersOnly, '--main-url', mainUrl, '-c', hostConfig, '--target', '1.49.0'], env('state'));
  assert.equal(ahead.exitCode, 2, ahead.stdout + ahead.stderr);
  const refused = resultOf(ahead.stdout);
  assert.match(refused.lines.join('\n'), /--target 1\.49\.0 is not the main process's version: the main process answers 1\.47\.0 at http:\/\/127\.0\.0\.1:\d+/);
  assert.deepEqual([refused.rolledBack, refused.notesRefused, refused.workersVerified], [false, [], []]);
  assert.equal((await execa(host.bin('python'), ['-c', 'import synapse; print(synapse.__version__)'])).stdout, '1.46.0');

  // The virtualenv comes from the running workers (started with this shared config); only -c is given. The wizard is
  // killed (kill -9) once pip is launched; `resume` with nothing but the state folder carries on as a workers-only session.
  const killed = await runCli([...workersOnly, '--main-url', mainUrl, '-c', hostConfig], { ...env('state'), SYNAPSE_UPGRADE_TEST_KILL_AT: 'install:spawned' });
  assert.notEqual(killed.exitCode, 0, killed.stdout + killed.stderr);
  assert.doesNotMatch(killed.stdout, /"type":"result"/);
  const run = await runCli(['resume', '--yes', '--json'], env('state'));
  assert.equal(run.exitCode, 0, run.stdout + run.stderr);
  const result = resultOf(run.stdout);
  assert.equal(result.outcome, 'upgraded');
  assert.deepEqual([result.from, result.to, result.rolledBack, result.notesRefused], ['1.46.0', '1.47.0', false, []]);
  assert.deepEqual(
    result.workersVerified,
    ['client_reader', 'sync_worker'].map((name, i) => ({ name, url: `http://127.0.0.1:${ports[i]}`, version: '1.47.0' })),
  );
  assert.ok(typeof result.downtimeMs === 'number' && result.downtimeMs > 0, `downtime ${result.downtimeMs}`);
  assert.deepEqual(await Promise.all(ports.map(workerVersion)), ['1.47.0', '1.47.0']);
  assert.equal(await main.serverVersion(), '1.47.0');
  const events = `${killed.stdout.trim()}\n${run.stdout.trim()}`.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const detected = [...events].reverse().find((e) => e.type === 'detected') as { install: { venv: string; workersOnly: unknown } };
  assert.deepEqual([detected.install.venv, detected.install.workersOnly], [host.venv, { mainUrl }]);
  // Only the workers restarted (synctl -a on their folder), no backup, the main process never touched.
  const commands = events.filter((e) => e.type === 'command.started').map((e) => (e.argv as string[]).join(' '));
  assert.ok(commands.includes(`${host.bin('synctl')} restart ${hostConfig} -a ${workersDir}`), commands.join('\n'));
  assert.ok(!commands.some((c) => c.includes(main.root) || /backup|sqlite3/.test(c)), commands.join('\n'));
  const step = (id: string) => events.find((e) => e.type === 'step.finished' && e.step === id) as { status: string; summary: string };
  assert.equal(step('backup').status, 'skipped');
  assert.equal(main.pid() !== undefined, true);
  // The journal records a workers-only session.
  const [folder] = await readdir(join(root, 'state'));
  const journal = JSON.parse(await readFile(join(root, 'state', folder as string, 'journal.json'), 'utf8'));
  assert.deepEqual([journal.install.workersOnly, journal.outcome], [{ mainUrl }, 'upgraded']);
  // kill -9 leaves no word of its own; the resume is recorded.
  assert.deepEqual(
    (journal.events as { kind: string }[]).map((e) => e.kind),
    ['resumed'],
  );

  // Already at the main's version: up to date, nothing run.
  const again = await runCli([...workersOnly, '--main-url', mainUrl, '--venv', host.venv, '-c', hostConfig], env('state-again'));
  assert.equal(again.exitCode, 0, again.stdout + again.stderr);
  const current = resultOf(again.stdout);
  assert.deepEqual([current.outcome, current.from, current.to, current.downtimeMs], ['already-current', '1.47.0', '1.47.0', 0]);
  assert.ok(!again.stdout.includes('"command.started"'));

  // `rollback` with nothing but the state folder: the journal says it was a workers-only session, so the workers (and
  // only they) go back to 1.46.0.
  const back = await runCli(['rollback', '--yes', '--json'], env('state'));
  assert.equal(back.exitCode, 0, back.stdout.split('\n').slice(-3).join('\n') + back.stderr);
  const rolled = resultOf(back.stdout);
  assert.deepEqual([rolled.outcome, rolled.rolledBack, rolled.from, rolled.to], ['rolled-back', true, '1.47.0', '1.46.0']);
  assert.deepEqual(await Promise.all(ports.map(workerVersion)), ['1.46.0', '1.46.0']);
  assert.equal(await main.serverVersion(), '1.47.0');
});

test('stand-in: a worker that crashes on the new code is rolled back: the old code back, the workers restarted and serving it, rolledBack true', async () => {
  // The main process moves on to 1.47.1; on this host (back at 1.46.0) the new code makes the workers crash at start-up.
  await main.install('1.47.1');
  await main.stop();
  await main.start();
  assert.equal(await main.serverVersion(), '1.47.1');
  await writeFile(hostConfig, `${await readFile(hostConfig, 'utf8')}\nx_standin:\n  worker_crash: ['1.47.1']\n`);

  const run = await runCli([...workersOnly, '--main-url', main.url, '--venv', host.venv, '-c', hostConfig], env('state-2'));
  assert.equal(run.exitCode, 1, run.stdout + run.stderr);
  const result = resultOf(run.stdout);
  assert.deepEqual([result.outcome, result.from, result.to, result.rolledBack, result.notesRefused], ['failed', '1.46.0', '1.47.1', true, []]);
  assert.match(result.lines.join('\n'), /Restarting the workers failed[^]*Rolled back to 1\.46\.0[^]*The workers answer 1\.46\.0 again/);
  assert.deepEqual(
    result.workersVerified?.map((w) => w.version),
    ['1.46.0', '1.46.0'],
  );
  assert.deepEqual(await Promise.all(ports.map(workerVersion)), ['1.46.0', '1.46.0']);
  assert.equal((await execa(host.bin('python'), ['-c', 'import synapse; print(synapse.__version__)'])).stdout, '1.46.0');
  assert.match(await readFile(join(root, 'host', 'client_reader.log'), 'utf8'), /Simulated start-up crash of the worker on Synapse 1\.47\.1/);
});
