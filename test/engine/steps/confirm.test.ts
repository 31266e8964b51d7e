import assert from 'node:assert/strict';
import { test } from 'node:test';
import { confirmStep, planLines } from '../../../src/engine/steps/confirm.js';
import { adminError, fakeSession } from '../../helpers/step-fakes.js';

test('confirm: the plan is shown with every command and the backup folder; "yes" accepts it', async () => {
  const s = fakeSession();
  await confirmStep.run(s.ctx);
  const question = s.asked[0];
  assert.equal(question?.text, 'Upgrade Synapse 1.46.0 → 1.47.0?');
  assert.deepEqual(question?.details, [
    'Before: back up the database into /nonexistent/session/backups and verify the copy',
    '1. Install: pip install matrix-synapse==1.47.0',
    '   then check the config with the new version; if it is rejected, no restart (the old version keeps serving)',
    '2. Restart: synctl restart /srv/synapse/homeserver.yaml',
    '3. Wait until http://synapse.test:8008/_synapse/admin/v1/server_version answers (database migrations run first)',
    '4. Verify that it reports 1.47.0',
  ]);
  assert.deepEqual(s.finished(), ['confirm:done plan accepted']);
});

test('confirm: "no" stops with nothing changed', async () => {
  const s = fakeSession({ answers: { confirm: 'no' } });
  const error = await adminError(confirmStep.run(s.ctx));
  assert.equal(error.code, 'stopped');
  assert.equal(error.message, 'Stopped at your request before any change.');
  assert.equal(error.serverState, 'nothing was changed');
  assert.deepEqual(s.finished(), ['confirm:skipped stopped by the admin']);
});

test('confirm: a dry run asks to walk through the plan; --no-backup says there is no backup', async () => {
  const s = fakeSession({ runner: { dryRun: true }, opts: { yes: false, dryRun: true, pre: false, noBackup: true } });
  await confirmStep.run(s.ctx);
  assert.equal(s.asked[0]?.text, 'Dry run: show Synapse 1.46.0 → 1.47.0 without changing anything?');
  assert.equal(s.asked[0]?.details?.[0], 'Before: NO database backup (--no-backup)');
  assert.equal(s.asked[0]?.choices[0]?.label, 'Walk through the plan');
});

test('planLines: the method plan of the prepare step lists every command, workers are verified too', () => {
  const s = fakeSession();
  const lines = planLines(
    {
      method: s.ctx.method,
      picture: { ...s.ctx.picture, install: { ...s.ctx.picture.install, workers: [{ name: 'w1', app: undefined, configPath: undefined, unit: undefined, url: 'http://w1.test', from: 'x' }] } },
      plan: { before: [{ argv: ['cp', 'a', 'b'] }], install: [{ argv: ['pip', 'install', 'x'] }], restart: [{ argv: ['synctl', 'restart'] }], checks: [], details: ['detail'], rollback: [] },
    },
    '1.47.0',
  );
  assert.deepEqual(lines, [
    '1. Install: cp a b',
    '            pip install x',
    '2. Restart: synctl restart',
    '3. Wait until http://synapse.test:8008/_synapse/admin/v1/server_version answers (database migrations run first)',
    '4. Verify that it reports 1.47.0',
    '5. Verify that the workers with a client listener report 1.47.0 too',
    'detail',
  ]);
});
