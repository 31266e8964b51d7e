import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createHomeserver, type RealHomeserver } from './helpers/homeserver.js';
import { readBack, seedData, waitForBackgroundUpdates } from './helpers/matrix.js';
import { needPidNamespace, openPidNamespace, type PidNamespace } from './helpers/pidns.js';
import { realTier, realWizardEnv } from './helpers/tier.js';
import { journalOf, runWizard, stepList } from './helpers/wizard.js';

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
});

test(
  'real Synapse, pip venv + SQLite started with synctl: --yes --target alone finds it from the running process and upgrades it two minors',
  { timeout: 1_200_000 },
  async (t) => {
    const tier = await realTier(t);
    if (!tier || !(await needPidNamespace(t))) return;
    const { from, to } = tier.scenario('pip-sqlite');
    const ns: PidNamespace = await openPidNamespace();
    cleanup.push(() => ns.close());
    const hs: RealHomeserver = await createHomeserver({ version: from, ns });
    cleanup.push(() => hs.dispose());
    await hs.start();
    const seed = await seedData(hs);
    await waitForBackgroundUpdates(hs);
    const oldPid = hs.pid();
    const state = join(hs.root, 'state');

    const run = await runWizard(['--yes', '--target', to], realWizardEnv(state), { ns });
    const said = run.stdout + run.stderr;
    assert.equal(run.exitCode, 0, said);
    assert.ok(said.includes(hs.venv), `the venv was found from the running process: ${said}`);
    assert.ok(said.includes(hs.config), `the relative -c was resolved against the start folder: ${said}`);
    assert.equal(await hs.serverVersion(), to);
    assert.notEqual(hs.pid(), oldPid, 'a new server process serves');
    assert.ok((await readBack(hs, seed)).includes(seed.body), 'the message written before the upgrade is read back');

    const journal = await journalOf(state);
    assert.equal(journal.outcome, 'upgraded');
    assert.deepEqual(stepList(journal), [
      'detect:done',
      'target:done',
      'notes:done',
      'prepare:done',
      'preflight:done',
      'confirm:done',
      'backup:done',
      'install:done',
      'config-check:done',
      'restart:done',
      'wait:done',
      'verify:done',
      'workers:skipped',
    ]);
    const transcript = await readFile(journal.transcript, 'utf8');
    assert.match(transcript, new RegExp(`Successfully installed .*matrix-synapse-${to.replace(/\./g, '\\.')}`));
    assert.match(said, new RegExp(`Synapse now runs ${to.replace(/\./g, '\\.')} \\(was ${from.replace(/\./g, '\\.')}\\)`));
  },
);
