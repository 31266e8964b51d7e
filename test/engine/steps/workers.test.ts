import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pollWorker, workersStep } from '../../../src/engine/steps/workers.js';
import type { ReadyAnswer } from '../../../src/engine/wait-ready.js';
import type { Worker } from '../../../src/methods/types.js';
import { adminError, answers, fakeInstall, fakePicture, fakeSession, fakeSystem, noAnswer } from '../../helpers/step-fakes.js';

const restarted = { startedAt: 0, ready: Promise.resolve({} as ReadyAnswer) };
const worker = (name: string, url?: string): Worker => ({ name, app: 'synapse.app.generic_worker', configPath: undefined, unit: undefined, url, from: 'workers/' });
const withWorkers = (workers: Worker[], workersDir?: string) =>
  fakePicture({
    install: fakeInstall({
      workers,
      restart: { kind: 'synctl', synctl: '/srv/synapse/env/bin/synctl', config: '/srv/synapse/homeserver.yaml', workersDir },
    }),
  });

test('workers: none: skipped', async () => {
  const s = fakeSession({ restart: restarted });
  await workersStep.run(s.ctx);
  assert.deepEqual(s.finished(), ['workers:skipped no workers']);
});

test('workers: each one with a client listener answers the target; one without a listener is counted as not checked', async () => {
  const seen: string[] = [];
  const s = fakeSession({
    restart: restarted,
    picture: withWorkers([worker('w1', 'http://w1.test'), worker('w2')]),
    system: { http: { workerVersion: async (url) => (seen.push(url), answers('1.47.0')) } },
  });
  await workersStep.run(s.ctx);
  assert.deepEqual(seen, ['http://w1.test']);
  assert.deepEqual(s.finished(), ['workers:done 1 worker(s) answer 1.47.0; 1 without a client listener not checked']);
  assert.deepEqual(s.messages('info'), ['worker w1 answers 1.47.0 at http://w1.test']);
});

test('workers: synctl -a starts the workers once the main process answers, through the runner; the downtime runs to the last one answering', async () => {
  const probes = [noAnswer(), noAnswer(), noAnswer(), answers('1.47.0')];
  const s = fakeSession({
    restart: { startedAt: 1_000_000 - 700, ready: Promise.resolve({} as ReadyAnswer) },
    picture: withWorkers([worker('w1', 'http://w1.test')], '/srv/synapse/workers'),
    system: { http: { workerVersion: async () => probes.shift()! } },
  });
  s.ctx.downtimeMs = 400; // the main process answered 400 ms after it stopped
  await workersStep.run(s.ctx);
  assert.equal(s.ctx.downtimeMs, 700 + 3 * 50, 'from the restart to the worker answering, not the main process alone');
  assert.deepEqual(
    s.runner.ran.map((c) => c.argv),
    [['/srv/synapse/env/bin/synctl', 'start', '/srv/synapse/homeserver.yaml', '-a', '/srv/synapse/workers']],
  );
  assert.match(s.finished()[0] ?? '', /^workers:done 1 worker\(s\) answer 1\.47\.0$/);
});

test('workers: starting them fails: an error with the exit, the state of the main process and the command to run', async () => {
  const s = fakeSession({
    restart: restarted,
    picture: withWorkers([worker('w1', 'http://w1.test')], '/srv/synapse/workers'),
    runner: { result: () => ({ exitCode: 1, tail: ['worker.yaml: bad listener'] }) },
  });
  const error = await adminError(workersStep.run(s.ctx));
  assert.match(error.message, /^Starting the workers failed \(exit 1\):\n {2}worker\.yaml: bad listener$/);
  assert.equal(error.serverState, 'the main process runs 1.47.0; some workers may not be running');
  assert.match(error.nextStep ?? '', /^Read the workers' logs, then start them: /);
});

test('workers: one keeps answering the old version until the deadline: an error naming it and what it answered', async () => {
  const s = fakeSession({
    restart: restarted,
    picture: withWorkers([worker('w1', 'http://w1.test')]),
    system: { http: { workerVersion: async () => answers('1.46.0') } },
  });
  const error = await adminError(workersStep.run(s.ctx));
  assert.equal(error.message, '1 worker(s) do not answer 1.47.0: w1 at http://w1.test (1.46.0).');
  assert.equal(error.serverState, 'the main process runs 1.47.0; those workers are down or older');
  assert.ok(s.system.clock.at >= 1_000_000 + 120_000, 'it waited the whole two minutes (on the fake clock)');
});

test('workers: a dry run assumes they would answer', async () => {
  const s = fakeSession({ runner: { dryRun: true }, picture: withWorkers([worker('w1', 'http://w1.test')]) });
  await workersStep.run(s.ctx);
  assert.deepEqual(s.finished(), ['workers:skipped assumed: 1 worker(s) with a client listener would answer 1.47.0']);
});

test('pollWorker: not answering at first, then the target', async () => {
  const probes = [noAnswer(), noAnswer(), answers('1.47.0')];
  const system = fakeSystem({ http: { workerVersion: async () => probes.shift()! } });
  assert.deepEqual(await pollWorker({ worker: worker('w1', 'http://w1.test') as Worker & { url: string }, target: '1.47.0', system }), { ok: true, seen: '1.47.0' });
  assert.equal(system.clock.at, 1_000_000 + 2 * 50); // every 50 ms, as the main process
});
