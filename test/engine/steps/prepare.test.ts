import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdminError } from '../../../src/core/errors.js';
import { prepareStep } from '../../../src/engine/steps/prepare.js';
import { adminError, fakeMethod, fakeSession } from '../../helpers/step-fakes.js';

test("prepare: the method's plan is made once, its checks shown, its commands counted", async () => {
  let plans = 0;
  const s = fakeSession({
    method: fakeMethod({
      plan: async () => (
        plans++,
        {
          before: [{ argv: ['cp', 'a', 'b'] }],
          install: [{ argv: ['pip', 'install', 'x'] }],
          restart: [],
          checks: ['pip 24.0 is in the venv'],
          details: [],
          rollback: [],
          summary: ['kept a copy'],
        }
      ),
    }),
  });
  await prepareStep.run(s.ctx);
  assert.equal(plans, 1);
  assert.deepEqual(s.messages('info'), ['pip 24.0 is in the venv']);
  assert.deepEqual(s.ctx.summary, ['kept a copy']);
  // No restart of the method's own: the restart manager's (synctl) is added.
  assert.deepEqual(
    s.ctx.plan?.restart.map((c) => c.argv[0]),
    ['/srv/synapse/env/bin/synctl'],
  );
  assert.deepEqual(s.finished(), ['prepare:done pip install at /srv/synapse/env, restart with synctl: 3 commands planned']);
  assert.equal(s.runner.ran.length, 0, 'prepare runs no command');
});

test('prepare: a method that refuses (a dirty work tree, no root) ends the session with its own words', async () => {
  const refusal = new AdminError('The git checkout has local changes.', { serverState: 'nothing was changed', nextStep: 'Commit or stash them.' });
  const s = fakeSession({
    method: fakeMethod({
      plan: async () => {
        throw refusal;
      },
    }),
  });
  assert.equal(await adminError(prepareStep.run(s.ctx)), refusal);
});
