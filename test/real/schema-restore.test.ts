import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createHomeserver, type RealHomeserver } from './helpers/homeserver.js';
import { login, readBack, seedData, sendMessage, waitForBackgroundUpdates } from './helpers/matrix.js';
import { realTier, realWizardEnv } from './helpers/tier.js';
import { journalOf, runWizard } from './helpers/wizard.js';

const made: RealHomeserver[] = [];
after(async () => {
  await Promise.all(made.map((hs) => hs.dispose()));
});

test(
  'real Synapse across a schema_compat_version change: upgrade, then rollback restores the backup and the old version serves the data',
  { timeout: 1_800_000 },
  async (t) => {
    const tier = await realTier(t);
    if (!tier) return;
    const { from, to } = tier.scenario('schema-restore');
    const hs = await createHomeserver({ version: from });
    made.push(hs);
    await hs.start();
    const seed = await seedData(hs);
    await waitForBackgroundUpdates(hs);
    const state = join(hs.root, 'state');
    const env = realWizardEnv(state);
    const where = ['--venv', hs.venv, '--config', hs.config];

    const up = await runWizard([...where, '--target', to, '--yes', '--accept-all-notes'], env);
    t.diagnostic(`upgrade ${from} → ${to}: ${up.ms} ms`);
    assert.equal(up.exitCode, 0, up.stdout + up.stderr);
    assert.equal(await hs.serverVersion(), to);
    assert.ok((await readBack(hs, seed)).includes(seed.body));
    const lost = `written on ${to}, after the upgrade`;
    await sendMessage(hs, seed, await login(hs, seed.user, seed.password), lost);
    await waitForBackgroundUpdates(hs);

    const back = await runWizard(['rollback', ...where, '--yes'], env);
    t.diagnostic(`rollback ${to} → ${from}: ${back.ms} ms`);
    const said = back.stdout + back.stderr;
    assert.equal(back.exitCode, 0, said);
    assert.match(said, /restor/i, 'the rollback says it restores the backup');
    assert.equal(await hs.serverVersion(), from);
    const bodies = await readBack(hs, seed);
    assert.ok(bodies.includes(seed.body), 'the message from before the upgrade is there');
    assert.ok(!bodies.includes(lost), 'the database is the backup: the message written after the upgrade is gone');
    const journal = await journalOf(state);
    const transcript = await readFile(journal.transcript, 'utf8');
    assert.match(transcript, new RegExp(`matrix-synapse==${from.replace(/\./g, '\\.')}`));
    t.diagnostic(`journal outcome: ${journal.outcome}`);
  },
);
