import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rollbackConfigStep } from '../../../src/engine/steps/rollback-config.js';
import { fakeRollback } from '../../helpers/step-fakes.js';

const writes = [{ path: '/srv/synapse/homeserver.yaml', backup: '/nonexistent/session/fixes/homeserver.yaml.1', sha256: 'x' }] as never[];

test('rollback-config: needed only when fixes were written; a dry run names the files and is not drawn', async () => {
  assert.equal(rollbackConfigStep.needed(fakeRollback().ctx), false);
  const r = fakeRollback({ configFixes: writes, runner: { dryRun: true } });
  assert.equal(rollbackConfigStep.needed(r.ctx), true);
  assert.equal(rollbackConfigStep.drawn?.(r.ctx), false);
  await rollbackConfigStep.run(r.ctx);
  assert.deepEqual(r.ctx.lines, ['Would put back /srv/synapse/homeserver.yaml from /nonexistent/session/fixes/homeserver.yaml.1.']);
  assert.deepEqual(r.finished(), []);
});

test('rollback-config: drawn when the files are really put back (not a dry run)', () => {
  assert.equal(rollbackConfigStep.drawn?.(fakeRollback({ configFixes: writes }).ctx), true);
});
