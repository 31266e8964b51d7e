import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { createStandinInstall, freePort, pidAlive, type StandinInstall } from '../../src/demo/standin.js';
import { runCli, wizardEnv } from '../helpers/cli.js';
import { writeWorkerConfig } from '../helpers/workers.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c().catch(() => {});
});

async function withWorker(): Promise<{ hs: StandinInstall; root: string; workersDir: string; workerPort: number }> {
  const root = await mkdtemp(join(tmpdir(), 'su-workers-'));
  const hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort() });
  const workersDir = join(root, 'workers');
  const workerPort = await freePort();
  await writeWorkerConfig(workersDir, 'client_reader', workerPort, root);
  const synctl = (action: string) => execa(hs.bin('synctl'), [action, hs.configPath, '-a', workersDir], { reject: false, all: true });
  const started = await synctl('start');
  assert.equal(started.exitCode, 0, started.all);
  cleanups.push(async () => {
    await synctl('stop');
    await hs.kill();
  });
  return { hs, root, workersDir, workerPort };
}

const workerVersion = async (port: number): Promise<string> => {
  const res = await fetch(`http://127.0.0.1:${port}/_synapse/admin/v1/server_version`, { signal: AbortSignal.timeout(3000) });
  return ((await res.json()) as { server_version: string }).server_version;
};

test('workers: found in workers/ next to homeserver.yaml, restarted with synctl -a, each client listener checked for the target', async () => {
  const { hs, root, workersDir, workerPort } = await withWorker();
  const env = wizardEnv(hs.wheelhouse, join(root, 'state'));
  assert.equal(await workerVersion(workerPort), '1.46.0');

  const detect = await runCli(['detect', '--json', '--venv', hs.venv], env);
  assert.equal(detect.exitCode, 0, detect.stderr);
  const report = JSON.parse(detect.stdout);
  assert.equal(report.restart, 'synctl');
  assert.equal(report.restartDetails.workersDir, workersDir);
  assert.deepEqual(report.workers.map((w: { name: string; url: string; app: string }) => [w.name, w.app, w.url]), [['client_reader', 'synapse.app.generic_worker', `http://127.0.0.1:${workerPort}`]]);

  const run = await runCli(['--venv', hs.venv, '--target', '1.47.0', '--yes'], env);
  assert.equal(run.exitCode, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /\[ok\] workers: 1 worker\(s\) answer 1\.47\.0/);
  assert.equal(await workerVersion(workerPort), '1.47.0');
  assert.equal(await hs.serverVersion(), '1.47.0');
  const [folder] = await readdir(join(root, 'state'));
  const journal = JSON.parse(await readFile(join(root, 'state', folder as string, 'journal.json'), 'utf8'));
  const transcript = await readFile(journal.transcript, 'utf8');
  assert.match(transcript, new RegExp(`bin/synctl","restart","${hs.configPath.replace(/[/.]/g, '\\$&')}","-a","${workersDir.replace(/[/.]/g, '\\$&')}"\\]`));
  assert.match(transcript, /stopped synapse\.app\.generic_worker/);
  assert.match(transcript, /started synapse\.app\.generic_worker/);
  // The worker started after main had migrated: its own log shows it accepted the schema.
  assert.doesNotMatch(await readFile(join(root, 'client_reader.log'), 'utf8'), /Expected database schema version/);
});

test('stand-in worker refuses a database its main process has not migrated (why workers restart after main)', async () => {
  const { hs, root, workersDir } = await withWorker();
  // Upgrade the code under the running processes, then start a 1.49.0 worker against the 1.46.0 database.
  await hs.install('1.49.0');
  const worker = await execa(hs.bin('python'), ['-m', 'synapse.app.generic_worker', '-c', hs.configPath, '-c', join(workersDir, 'client_reader.yaml')], { reject: false, all: true, timeout: 30_000 });
  assert.equal(worker.exitCode, 1);
  assert.match(worker.all ?? '', /Expected database schema version 66 but got 65: run the main synapse process to upgrade the database schema before starting worker processes\./);
  assert.ok(hs.pid() !== undefined && pidAlive(hs.pid() as number));
  void root;
});
