import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { configCheckStep } from '../../../src/engine/steps/config-check.js';
import type { ReleaseData } from '../../../src/system/release-data.js';
import { adminError, answers, fakeDatabase, fakeInstall, fakeMethod, fakePicture, fakeSession, releaseDataWith, type SystemOverrides } from '../../helpers/step-fakes.js';

// The rollback it offers plans from the shipped schema facts (steps/schema.yaml, steps/rollback.yaml).
let data: ReleaseData;
before(async () => {
  data = await releaseDataWith([]);
});

const REJECTED = ['WARNING trusted_key_servers: a warning Synapse logs first', 'Error in configuration at \'listeners\': port must be an integer'];
const rejects = { result: (spec: { argv: readonly string[] }) => (spec.argv.includes('synapse.config') ? { exitCode: 1, tail: REJECTED } : {}) };
const rollbackSystem = (): SystemOverrides => ({
  releaseData: async () => data,
  // The database as 1.47.0 left it: compat 60, which 1.46.0 (schema 65) runs on, so no restore is needed.
  database: { info: () => fakeDatabase('sqlite3', { schema_compat_version: [{ compat_version: 60 }] }) },
  http: { serverVersion: async () => answers('1.46.0') },
});

test("config-check: the new code's own check runs (no bytecode written); accepted: done with its last line", async () => {
  const s = fakeSession({ runner: { result: () => ({ tail: ['', 'Config OK'] }) } });
  await configCheckStep.run(s.ctx);
  const spec = s.runner.ran[0];
  assert.deepEqual(spec?.argv, ['/srv/synapse/env/bin/python', '-m', 'synapse.config', '-c', '/srv/synapse/homeserver.yaml']);
  assert.equal(spec?.env?.PYTHONDONTWRITEBYTECODE, '1');
  assert.deepEqual(s.finished(), ['config-check:done 1.47.0 accepts the config (Config OK)']);
});

test('config-check: an install with no Python on this host has no check: skipped', async () => {
  const s = fakeSession({ picture: fakePicture({ install: fakeInstall({ python: undefined } as never) }) });
  await configCheckStep.run(s.ctx);
  assert.deepEqual(s.finished(), ['config-check:skipped no config check for pip installs yet']);
});

test('config-check: a dry run shows the command, and says the new code is not there to run it', async () => {
  const s = fakeSession({ runner: { dryRun: true } });
  await configCheckStep.run(s.ctx);
  assert.deepEqual(s.finished(), ['config-check:done not run (dry run): the new code is not installed']);
});

test('config-check: rejected and the admin leaves it: nothing restarted, the old version serves, fix or roll back', async () => {
  const s = fakeSession({ runner: rejects, answers: { rollback: 'leave' }, system: rollbackSystem() });
  const error = await adminError(configCheckStep.run(s.ctx));
  assert.equal(s.finished()[0], "config-check:failed 1.47.0 rejects the config: Error in configuration at 'listeners': port must be an integer");
  assert.match(error.message, /^Synapse 1\.47\.0 rejects the config, so it was not restarted:\n {2}WARNING trusted_key_servers/);
  assert.equal(error.serverState, 'matrix-synapse 1.47.0 is installed but not running; Synapse 1.46.0 keeps serving until its next restart');
  assert.equal(
    error.nextStep,
    'Fix the config (/srv/synapse/homeserver.yaml) for 1.47.0, then run synapse-upgrade again. Or put 1.46.0 back with `synapse-upgrade rollback` before anything restarts Synapse.',
  );
  assert.equal(s.asked[0]?.id, 'rollback');
  assert.equal(s.runner.ran.length, 1, 'only the check ran');
});

test('config-check: rejected and rolled back: the old version goes back in place with no restart (downtime 0)', async () => {
  const s = fakeSession({ runner: rejects, system: rollbackSystem(), method: fakeMethod({ installedVersion: async () => '1.46.0' }) });
  const error = await adminError(configCheckStep.run(s.ctx));
  assert.deepEqual(
    s.runner.ran.map((c) => c.argv.join(' ')),
    ['/srv/synapse/env/bin/python -m synapse.config -c /srv/synapse/homeserver.yaml', 'pip install matrix-synapse==1.46.0'],
  );
  assert.equal(s.ctx.downtimeMs, 0);
  assert.match(error.message, /Synapse 1\.46\.0 kept serving throughout: no restart, no downtime\.$/);
  assert.equal(error.serverState, 'Synapse 1.46.0 is installed and serving, as before (downtime 0 s)');
  assert.equal(error.nextStep, 'Fix the config (/srv/synapse/homeserver.yaml) for 1.47.0, then run synapse-upgrade again.');
  assert.deepEqual(s.finished().slice(1), ['rollback-install:done Install matrix-synapse 1.46.0: done', 'rollback-verify:done 1.46.0 still serving, never restarted']);
});
