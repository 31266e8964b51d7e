import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli, wizardEnv } from '../helpers/cli.js';

const roots: string[] = [];
after(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

test('-c naming a file that is not there: says that file does not exist (exit 2), for the wizard and detect, and changes nothing', async () => {
  const root = await mkdtemp(join(tmpdir(), 'su-missing-'));
  roots.push(root);
  const missing = join(root, 'synapse', 'homeserver.yml');
  const env = wizardEnv(join(root, 'no-wheelhouse'), join(root, 'state'));
  for (const args of [
    ['-c', missing, '--target', '1.47.0', '--yes'],
    ['detect', '-c', missing],
    ['--config', missing, '--dry-run', '--yes'],
  ]) {
    const run = await runCli(args, env);
    const out = run.stdout + run.stderr;
    assert.equal(run.exitCode, 2, `${args.join(' ')}: ${out}`);
    assert.match(out, new RegExp(`The config file ${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} given with --config does not exist`), out);
    assert.doesNotMatch(out, /No Synapse install found/);
  }
  const { readdir } = await import('node:fs/promises');
  assert.deepEqual(await readdir(root), [], 'nothing may be written (no state folder)');
});
