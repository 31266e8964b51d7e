import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitCode } from '../../../src/core/errors.js';
import { checkAnswering } from '../../../src/engine/steps/answering.js';
import { adminError, fakePicture, fakeSession } from '../../helpers/step-fakes.js';

test('answering: Synapse answers: no question', async () => {
  const s = fakeSession();
  await checkAnswering(s.ctx.picture, s.ctx.deps);
  assert.deepEqual(s.asked, []);
});

test('answering: something else answers at the URL: exit 2, nothing changed, check the URL', async () => {
  const s = fakeSession({ picture: fakePicture({ running: { ok: false, reachable: true, reason: 'the answer is not JSON' } }) });
  const error = await adminError(checkAnswering(s.ctx.picture, s.ctx.deps));
  assert.equal(error.message, 'Something answers at http://synapse.test:8008, but not as Synapse: the answer is not JSON.');
  assert.equal(error.exitCode, ExitCode.usage);
  assert.equal(error.serverState, 'nothing was changed');
  assert.match(error.nextStep ?? '', /^Check the listener in homeserver\.yaml, or pass --url/);
});

test('answering: Synapse is down: a warning and the question; "continue" goes on', async () => {
  const s = fakeSession({ picture: fakePicture({ running: { ok: false, reachable: false, reason: 'connection refused' } }) });
  await checkAnswering(s.ctx.picture, s.ctx.deps);
  assert.deepEqual(s.messages('warn'), ['Synapse does not answer: connection refused.']);
  assert.deepEqual(
    s.asked.map((q) => q.id),
    ['not-answering'],
  );
});

test('answering: Synapse is down and the admin stops: "stopped", nothing changed', async () => {
  const s = fakeSession({ picture: fakePicture({ running: { ok: false, reachable: false, reason: 'connection refused' } }), answers: { 'not-answering': 'stop' } });
  const error = await adminError(checkAnswering(s.ctx.picture, s.ctx.deps));
  assert.equal(error.code, 'stopped');
  assert.equal(error.serverState, 'nothing was changed');
});
