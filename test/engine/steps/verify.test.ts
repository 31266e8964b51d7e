import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyStep } from '../../../src/engine/steps/verify.js';
import type { ReadyAnswer } from '../../../src/engine/wait-ready.js';
import { adminError, answers, fakeSession, noAnswer } from '../../helpers/step-fakes.js';

const ready = (version: string): { startedAt: number; ready: Promise<ReadyAnswer> } => ({
  startedAt: 0,
  ready: Promise.resolve({ answer: { version, raw: `${version} (b=master)`, python: undefined }, readyAt: 10, downSince: 5 }),
});

test('verify: the target answers and /health is OK: done with the reported version', async () => {
  const s = fakeSession({ restart: ready('1.47.0'), system: { http: { health: async () => true } } });
  await verifyStep.run(s.ctx);
  assert.deepEqual(s.finished(), ['verify:done server_version says 1.47.0 (b=master)']);
  assert.deepEqual(s.messages('warn'), []);
});

test('verify: /health not OK is a warning, not a failure', async () => {
  const s = fakeSession({ restart: ready('1.47.0'), system: { http: { health: async () => false } } });
  await verifyStep.run(s.ctx);
  assert.match(s.finished()[0] ?? '', /^verify:done/);
  assert.deepEqual(s.messages('warn'), ['http://synapse.test:8008/health did not answer OK.']);
});

test('verify: the first answer is the old process on its way out; asked once more, the target answers', async () => {
  let probes = 0;
  const s = fakeSession({
    restart: ready('1.46.0'),
    system: { http: { serverVersion: async () => (probes++, answers('1.47.0')), health: async () => true } },
  });
  await verifyStep.run(s.ctx);
  assert.equal(probes, 1);
  assert.deepEqual(s.finished(), ['verify:done server_version says 1.47.0']);
});

test('verify: another version keeps answering: an error with the server state and what to check', async () => {
  const s = fakeSession({ restart: ready('1.46.0'), system: { http: { serverVersion: async () => noAnswer() } } });
  const error = await adminError(verifyStep.run(s.ctx));
  assert.equal(error.message, 'Synapse answers 1.46.0 (b=master) at http://synapse.test:8008, not 1.47.0.');
  assert.equal(error.serverState, 'matrix-synapse 1.47.0 is installed but the server answering is 1.46.0');
  assert.match(error.nextStep ?? '', /no other Synapse process holds the port/);
});

test('verify: a dry run (no restart) is skipped as assumed, with no probe', async () => {
  const s = fakeSession({ runner: { dryRun: true } });
  await verifyStep.run(s.ctx);
  assert.deepEqual(s.finished(), ['verify:skipped assumed: Synapse would answer 1.47.0']);
});
