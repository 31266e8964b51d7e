// One wizard per homeserver: while a first wizard restarts the stand-in Synapse and it migrates its database (slow
// migrations), a second wizard on the same homeserver, from another state folder and another spelling of the
// config path, must refuse with exit 2 naming the first (pid, host, state folder), as must `resume` and `rollback`
// from there, and change nothing. The first then finishes alone. Stand-in Synapse, real pip, real processes.
// Needs `npm run build` first (it runs bin/synapse-upgrade.mjs).
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createStandinInstall, freePort, type StandinInstall } from '../../src/demo/standin.js';
import { wizardEnv } from '../helpers/cli.js';
import { journalOf, runWizard, sessionDirOf, startWizard, waitUntil, whileRunning } from '../helpers/resume.js';

let hs: StandinInstall;
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'su-hs-lock-'));
  hs = await createStandinInstall({ root, version: '1.46.0', port: await freePort() });
  await hs.start();
});
after(async () => {
  await hs?.kill().catch(() => {});
  if (root) await rm(root, { recursive: true, force: true, maxRetries: 5 }).catch(() => {});
});

test('stand-in mid-migration: a second wizard from another state folder and config spelling gets exit 2 naming the first', async () => {
  // The migration waits on a gate after its first delta, so the first wizard is still mid-migration however long a
  // loaded machine takes to run the three refused commands; the test opens the gate once they are done.
  const gate = join(root, 'migration-gate');
  await hs.writeConfig({ migrationSeconds: 1, extraConfig: { x_standin: { migration_gate: gate } } });
  const stateA = join(root, 'state-a');
  const stateB = join(root, 'state-b');
  await symlink(root, join(root, 'same-place'));
  const spelling = join(root, 'same-place', '.', 'homeserver.yaml');
  const first = startWizard(['--venv', hs.venv, '--config', hs.configPath, '--target', '1.49.0', '--yes'], wizardEnv(hs.wheelhouse, stateA));
  await whileRunning(
    first,
    waitUntil(async () => (await hs.readLog()).includes('Applying schema deltas for v'), 60_000, 'the migration to start'),
  );
  const sessionA = await sessionDirOf(stateA);
  assert.equal((await journalOf(stateA)).steps.find((s) => s.id === 'restart')?.status, 'running', 'the first is restarting');

  const envB = wizardEnv(hs.wheelhouse, stateB);
  for (const args of [
    ['--venv', hs.venv, '--config', spelling, '--target', '1.49.0', '--yes'],
    ['resume', '--venv', hs.venv, '--config', spelling, '--yes'],
    ['rollback', '--venv', hs.venv, '--config', spelling, '--yes'],
  ]) {
    const second = await runWizard(args, envB);
    assert.equal(second.code, 2, `${args[0]}: ${second.output}`);
    assert.match(
      second.output,
      new RegExp(
        `Another synapse-upgrade is working on this homeserver \\(${hs.configPath.replace(/\./g, '\\.')}\\): pid ${first.child.pid} on ${hostname()}, started \\S+, state folder ${sessionA.replace(/\./g, '\\.')} \\(wizard\\)`,
      ),
      args[0],
    );
    assert.match(second.output, /this run changed nothing/);
  }
  const left = await readdir(stateB).catch(() => [] as string[]);
  for (const folder of left)
    assert.deepEqual(
      (await readdir(join(stateB, folder))).filter((f) => f.startsWith('journal')),
      [],
      'the refused runs wrote no journal',
    );
  await writeFile(gate, '');

  const end = await first.done;
  assert.equal(end.code, 0, end.output);
  assert.equal(await hs.serverVersion(), '1.49.0');
  assert.equal((await journalOf(stateA)).outcome, 'upgraded');
  await hs.writeConfig({ migrationSeconds: 0 });
});
