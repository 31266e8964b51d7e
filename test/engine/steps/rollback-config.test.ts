import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

test('rollback-config: a fixed file goes back from its backup; a missing backup fails the step saying what to copy by hand', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'su-rollback-config-'));
  try {
    const path = join(dir, 'homeserver.yaml');
    const backup = join(dir, 'homeserver.yaml.1');
    await writeFile(path, 'fixed: true\n');
    await writeFile(backup, 'original: true\n');
    const good = fakeRollback({ configFixes: [{ path, backup, sha256: 'x' }] as never[] });
    await rollbackConfigStep.run(good.ctx);
    assert.equal(await readFile(path, 'utf8'), 'original: true\n');
    assert.deepEqual(good.ctx.lines, [`Config: ${path} restored from ${backup}.`]);

    await writeFile(path, 'fixed: true\n');
    const missing = join(dir, 'gone.yaml.1');
    const bad = fakeRollback({ configFixes: [{ path, backup: missing, sha256: 'x' }] as never[] });
    await assert.rejects(rollbackConfigStep.run(bad.ctx), (error: Error & { serverState?: string; nextStep?: string }) => {
      assert.match(error.message, new RegExp(`could not all be put back: ${path} could not be restored from ${missing} \\(ENOENT\\)`));
      assert.match(String(error.serverState), /the config files named above still hold the fixed content/);
      assert.match(String(error.nextStep), /Copy each backup over its file by hand/);
      return true;
    });
    assert.equal(await readFile(path, 'utf8'), 'fixed: true\n', 'nothing written when the backup is missing');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
