import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitCode } from '../../../src/core/errors.js';
import { chooseTarget } from '../../../src/engine/steps/target.js';
import { adminError, answers, fakeMethod, fakePicture, fakeSession } from '../../helpers/step-fakes.js';

const versions = async () => ['1.48.0', '1.47.0', '1.46.0'];

test('target: without --target the admin picks among the newer versions, newest first', async () => {
  const s = fakeSession({ answers: { target: '1.47.0' } });
  const decision = await chooseTarget({ ...s.ctx, method: fakeMethod({ availableVersions: versions }) });
  assert.deepEqual(decision, { kind: 'upgrade', target: '1.47.0' });
  assert.deepEqual(
    s.asked[0]?.choices.map((c) => c.label),
    ['1.48.0 (newest)', '1.47.0'],
  );
  assert.deepEqual(s.finished(), ['target:done 1.46.0 → 1.47.0']);
});

test('target: --target is taken as given; nothing newer means already current', async () => {
  const s = fakeSession({ opts: { yes: true, dryRun: false, pre: false, target: '1.48.0' } });
  assert.deepEqual(await chooseTarget({ ...s.ctx, method: fakeMethod({ availableVersions: versions }) }), { kind: 'upgrade', target: '1.48.0' });
  const t = fakeSession();
  const current = await chooseTarget({ ...t.ctx, method: fakeMethod({ availableVersions: async () => ['1.46.0'] }) });
  assert.equal(current.kind, 'already-current');
  assert.deepEqual(t.asked, []);
  assert.deepEqual(t.finished(), ['target:done already at 1.46.0']);
});

test('target: the target is installed but an older one runs: exit 2, says to restart or resume', async () => {
  const s = fakeSession({
    opts: { yes: true, dryRun: false, pre: false, target: '1.47.0' },
    picture: fakePicture({ install: { ...fakePicture().install, installedVersion: '1.47.0' }, running: answers('1.46.0') }),
  });
  const error = await adminError(chooseTarget({ ...s.ctx, method: fakeMethod({ availableVersions: versions }) }));
  assert.equal(error.message, '1.47.0 is already installed but Synapse runs 1.46.0: it was installed and not restarted.');
  assert.equal(error.exitCode, ExitCode.usage);
  assert.equal(error.serverState, '1.47.0 is installed, 1.46.0 is running');
  assert.equal(error.nextStep, 'Restart Synapse (synctl restart /srv/synapse/homeserver.yaml) or resume the interrupted session.');
});
