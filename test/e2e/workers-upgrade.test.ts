import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { createStandinInstall, freePort, pidAlive, type StandinInstall } from '../../src/demo/standin.js';
import { runCli, wizardEnv } from '../helpers/cli.js';
import { writeWorkerConfig } from '../../src/demo/standin-workers.js';
import { tempDir } from '../helpers/temp-dir.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c().catch(() => {});
});

async function withWorker(): Promise<{ hs: StandinInstall; root: string; workersDir: string; workerPort: number }> {
  const root = await tempDir('su-workers-');
  const hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort() });
  const workersDir = join(root, 'workers');
  const workerPort = await freePort();
  await writeWorkerConfig(workersDir, 'client_reader', workerPort, root);
  // As synctl does: `-a DIR` acts on the worker configs of DIR only (the main process has no entry there), so
  // the main process is started first, on its own, and then the workers.
  const synctl = (action: string, ...more: string[]) => execa(hs.bin('synctl'), [action, hs.configPath, ...more], { reject: false, all: true });
  const main = await synctl('start');
  assert.equal(main.exitCode, 0, main.all);
  const started = await synctl('start', '-a', workersDir);
  assert.equal(started.exitCode, 0, started.all);
  cleanups.push(async () => {
    await synctl('stop', '-a', workersDir);
    await hs.kill();
  });
  return { hs, root, workersDir, workerPort };
}

// Read as Synapse's workers allow: the Server header (a worker answers /_synapse/admin/v1/server_version with 404).
const workerVersion = async (port: number): Promise<string> => {
  const res = await fetch(`http://127.0.0.1:${port}/_matrix/client/versions`, { signal: AbortSignal.timeout(3000) });
  await res.body?.cancel();
  return String(res.headers.get('server')).replace(/^Synapse\//, '');
};

test('workers: found in workers/ next to homeserver.yaml; stopped with synctl -a, main restarted alone, workers started after it answers, each client listener checked for the target; the rollback in the same order', async () => {
  const { hs, root, workersDir, workerPort } = await withWorker();
  const env = wizardEnv(hs.wheelhouse, join(root, 'state'));
  assert.equal(await workerVersion(workerPort), '1.46.0');

  const detect = await runCli(['detect', '--json', '--venv', hs.venv], env);
  assert.equal(detect.exitCode, 0, detect.stderr);
  const report = JSON.parse(detect.stdout);
  assert.equal(report.restart, 'synctl');
  assert.equal(report.restartDetails.workersDir, workersDir);
  assert.deepEqual(
    report.workers.map((w: { name: string; url: string; app: string }) => [w.name, w.app, w.url]),
    [['client_reader', 'synapse.app.generic_worker', `http://127.0.0.1:${workerPort}`]],
  );

  const run = await runCli(['--venv', hs.venv, '--target', '1.47.0', '--yes'], env);
  assert.equal(run.exitCode, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /\[ok\] workers: 1 worker\(s\) answer 1\.47\.0/);
  assert.equal(await workerVersion(workerPort), '1.47.0');
  assert.equal(await hs.serverVersion(), '1.47.0');
  const [folder] = await readdir(join(root, 'state'));
  const journal = JSON.parse(await readFile(join(root, 'state', folder as string, 'journal.json'), 'utf8'));
  const transcript = await readFile(journal.transcript, 'utf8');
  // Workers stopped, the main process restarted alone, the workers started once it answered (in that order).
  const q = (p: string) => p.replace(/[/.]/g, '\\$&');
  const order = [
    `bin/synctl","stop","${q(hs.configPath)}","-a","${q(workersDir)}"\\]`,
    `bin/synctl","restart","${q(hs.configPath)}"\\]`,
    `bin/synctl","start","${q(hs.configPath)}","-a","${q(workersDir)}"\\]`,
  ];
  const at = order.map((line) => transcript.search(new RegExp(line)));
  assert.ok(
    at.every((i, n) => i >= 0 && (n === 0 || i > (at[n - 1] as number))),
    `stop -a, restart, start -a in order: ${at}`,
  );
  assert.match(transcript, /stopped synapse\.app\.generic_worker/);
  assert.match(transcript, /started synapse\.app\.generic_worker/);
  // The worker started after main had migrated: its own log shows it accepted the schema.
  assert.doesNotMatch(await readFile(join(root, 'client_reader.log'), 'utf8'), /Expected database schema version/);

  // The rollback puts the worker back on 1.46.0 too, in the same order: workers stopped, main restarted, workers started.
  const back = await runCli(['rollback', '--venv', hs.venv, '--yes'], env);
  assert.equal(back.exitCode, 0, back.stdout + back.stderr);
  assert.equal(await hs.serverVersion(), '1.46.0');
  assert.equal(await workerVersion(workerPort), '1.46.0');
  assert.match(back.stdout, /The workers were started again after the main process: client_reader answers 1\.46\.0/);
  const both = await readFile(journal.transcript, 'utf8');
  const last = order.map((line) => [...both.matchAll(new RegExp(line, 'g'))].map((m) => m.index ?? -1));
  assert.deepEqual(
    last.map((hits) => hits.length),
    [2, 2, 2],
    'each command once for the upgrade and once for the rollback',
  );
  const rolled = last.map((hits) => hits[1] as number);
  assert.ok(rolled[0]! < rolled[1]! && rolled[1]! < rolled[2]!, `rollback: stop -a, restart, start -a in order: ${rolled}`);
});

test('stand-in worker refuses a database its main process has not migrated (why workers restart after main)', async () => {
  const { hs, root, workersDir } = await withWorker();
  // Upgrade the code under the running processes, then start a 1.49.0 worker against the 1.46.0 database.
  await hs.install('1.49.0');
  const worker = await execa(hs.bin('python'), ['-m', 'synapse.app.generic_worker', '-c', hs.configPath, '-c', join(workersDir, 'client_reader.yaml')], {
    reject: false,
    all: true,
    timeout: 30_000,
  });
  assert.equal(worker.exitCode, 1);
  assert.match(
    worker.all ?? '',
    /Expected database schema version 66 but got 65: run the main synapse process to upgrade the database schema before starting worker processes\./,
  );
  assert.ok(hs.pid() !== undefined && pidAlive(hs.pid() as number));
  void root;
});
