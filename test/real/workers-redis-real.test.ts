import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { freePort } from '../../src/demo/standin.js';
import { needPostgres, startPostgres } from '../helpers/postgres.js';
import { createHomeserver, waitFor, type RealHomeserver } from './helpers/homeserver.js';
import { readBack, seedData } from './helpers/matrix.js';
import { needPidNamespace, openPidNamespace } from './helpers/pidns.js';
import { createSynapseRole, usePostgres, waitForPgBackgroundUpdates } from './helpers/postgres.js';
import { needRedis, startRedis } from './helpers/redis.js';
import { realTier, realWizardEnv, stateDirOf } from './helpers/tier.js';
import { journalOf, runWizard, stepList } from './helpers/wizard.js';
import { useWorkers, writeWorkerFiles, type WorkerLayout } from './helpers/workers.js';

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
});

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A worker's version from its Server header: real workers answer /_synapse/admin/v1/server_version with 404. */
async function workerVersionAt(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${url}/_matrix/client/versions`, { signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    return res.ok ? /^Synapse\/(\S+)$/.exec(res.headers.get('server') ?? '')?.[1] : undefined;
  } catch {
    return undefined;
  }
}

async function adminVersionStatus(url: string): Promise<number> {
  const res = await fetch(`${url}/_synapse/admin/v1/server_version`, { signal: AbortSignal.timeout(5000) });
  await res.body?.cancel();
  return res.status;
}

test(
  'real Synapse main process + one generic_worker with Redis (PostgreSQL, synctl -a workers as the docs lay it out): both upgraded, restarted, and answering the new version on their own listeners',
  { timeout: 1_800_000 },
  async (t) => {
    const tier = await realTier(t);
    const bin = needPostgres(t);
    if (!tier || !bin || !needRedis(t) || !(await needPidNamespace(t))) return;
    const { from, to } = tier.scenario('workers');
    const cluster = await startPostgres(bin);
    cleanup.push(() => cluster.stop());
    const db = await createSynapseRole(cluster, { user: 'synapse_user', password: randomBytes(9).toString('hex'), dbname: 'synapse' });
    const redis = await startRedis();
    cleanup.push(() => redis.stop());
    const layout: WorkerLayout = { name: 'generic_worker1', port: await freePort(), replicationPort: await freePort(), redisPort: redis.port };
    const ns = await openPidNamespace();
    cleanup.push(() => ns.close());
    const serverName = 'workers.test';
    const hs: RealHomeserver = await createHomeserver({
      version: from,
      ns,
      serverName,
      extras: ['postgres', 'redis'],
      editConfig: (yaml) => useWorkers(usePostgres(yaml, db), layout),
      prepare: async (dir) => {
        await writeWorkerFiles(dir, serverName, layout);
      },
    });
    cleanup.push(() => hs.dispose());
    const workerUrl = `http://127.0.0.1:${layout.port}`;
    const workerPidFile = join(hs.dir, `${layout.name}.pid`);
    const workerPid = async () => ns.outerPid(Number((await readFile(workerPidFile, 'utf8').catch(() => '0')).trim()));

    // As an admin adds workers to a running homeserver: the main process first (it makes the schema), then
    // `synctl -a workers start`, which finds main running (its pid file) and starts the worker.
    await hs.start();
    const started = await execa(...ns.wrap(join(hs.venv, 'bin', 'synctl'), ['start', 'homeserver.yaml', '-a', 'workers'], hs.dir), {
      cwd: hs.dir,
      env: { ...hs.env(), PWD: hs.dir },
      extendEnv: false,
      reject: false,
      timeout: 180_000,
    });
    assert.equal(started.exitCode, 0, `${started.stdout}\n${started.stderr}`);
    await waitFor(async () => (await workerVersionAt(workerUrl)) === from, 120_000, 'the worker to answer server_version');
    assert.equal(await adminVersionStatus(workerUrl), 404, 'a real worker has no version endpoint (the wizard reads its Server header)');
    const seed = await seedData(hs);
    assert.ok((await readBack({ ...hs, url: workerUrl }, seed)).includes(seed.body), 'the worker serves the room (Redis and replication work)');
    await waitForPgBackgroundUpdates(cluster, db);
    const oldPids = [hs.pid(), await workerPid()];
    const state = stateDirOf(hs.root);

    const run = await runWizard(['--yes', '--target', to], realWizardEnv(state), { ns });
    t.diagnostic(`upgrade ${from} → ${to}, main + worker: ${run.ms} ms`);
    const said = run.stdout + run.stderr;
    assert.equal(run.exitCode, 0, said);
    assert.match(said, new RegExp(`\\[ok\\] workers: 1 worker\\(s\\) answer ${escape(to)}`));
    assert.equal(await hs.serverVersion(), to);
    assert.equal(await workerVersionAt(workerUrl), to);
    const newPids = [hs.pid(), await workerPid()];
    assert.ok(
      newPids.every((p, i) => p !== undefined && p !== oldPids[i]),
      `both processes are new: ${oldPids} → ${newPids}`,
    );
    assert.ok((await readBack(hs, seed)).includes(seed.body), 'the main process reads the message back');
    assert.ok((await readBack({ ...hs, url: workerUrl }, seed)).includes(seed.body), 'the worker reads the message back on its own listener');
    const workerLog = await readFile(join(hs.dir, `${layout.name}.log`), 'utf8');
    assert.doesNotMatch(workerLog, /run the main synapse process to upgrade the database schema before starting worker processes/);

    const journal = await journalOf(state);
    t.diagnostic(`steps: ${stepList(journal).join(' ')}`);
    assert.equal(journal.outcome, 'upgraded');
    assert.ok(stepList(journal).includes('workers:done'));
    const transcript = await readFile(journal.transcript, 'utf8');
    // synctl -a starts worker configs in name order and the main process only through its own entry: the wizard
    // stops the workers, restarts the main process alone, and starts the workers once it has migrated and answers.
    const synctl = [...transcript.matchAll(/\[(restart|workers)\] \$ (\[.*\])$/gm)].map(
      (m) => `${m[1]}: ${(JSON.parse(m[2]!) as string[]).slice(1).join(' ')}`,
    );
    assert.deepEqual(synctl, [
      `restart: stop ${hs.config} -a ${join(hs.dir, 'workers')}`,
      `restart: restart ${hs.config}`,
      `workers: start ${hs.config} -a ${join(hs.dir, 'workers')}`,
    ]);
  },
);
