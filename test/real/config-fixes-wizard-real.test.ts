// Real tier, issue 16: the wizard fixes a config the target refuses. A real 1.46 homeserver serves with a
// `webclient` listener resource (1.46 accepts it); the target (1.53 and later) refuses it. The wizard shows the fix
// as a diff, applies it (--apply-fixes under --yes) after the install, the target's own config check passes, the
// upgrade is verified over HTTP, the note no longer applies, and `synapse-upgrade rollback` puts the old version,
// the database backup and the original config file back, byte for byte.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ensureVenvTemplate } from './helpers/cache.js';
import { createHomeserver, type RealHomeserver } from './helpers/homeserver.js';
import { readBack, seedData, waitForBackgroundUpdates } from './helpers/matrix.js';
import { realTier, realWizardEnv } from './helpers/tier.js';
import { journalOf, runWizard } from './helpers/wizard.js';

const made: RealHomeserver[] = [];
after(async () => {
  await Promise.all(made.map((hs) => hs.dispose()));
});

test(
  'real Synapse: the wizard fixes a webclient resource the target refuses, the target accepts it, rollback restores the file byte for byte',
  { timeout: 1_800_000 },
  async (t) => {
    const tier = await realTier(t);
    if (!tier) return;
    const { from, to } = tier.scenario('config-fixes');
    const hs = await createHomeserver({
      version: from,
      editConfig: (yaml) => {
        // The listener itself, not the commented example above it.
        const edited = yaml.replace(/^(\s+- names: )\[client, federation\]$/m, '$1[client, webclient, federation]  # as set up long ago');
        assert.notEqual(edited, yaml, `the stock config of ${from} has names: [client, federation]`);
        return edited;
      },
    });
    made.push(hs);
    const original = await readFile(hs.config);
    const mode = (await stat(hs.config)).mode & 0o777;

    // The target's own config check refuses the config as it is.
    const targetPython = join(await ensureVenvTemplate(to), 'bin', 'python');
    const refused = spawnSync(targetPython, ['-m', 'synapse.config', '-c', hs.config], { cwd: hs.dir, encoding: 'utf8', timeout: 300_000 });
    assert.notEqual(refused.status, 0, `${to} refuses the webclient resource`);
    assert.match(`${refused.stdout}${refused.stderr}`, /Unknown listener resource/);

    await hs.start();
    const seed = await seedData(hs);
    await waitForBackgroundUpdates(hs);
    const state = join(hs.root, 'state');
    const env = realWizardEnv(state);
    const where = ['--venv', hs.venv, '--config', hs.config];

    const up = await runWizard([...where, '--target', to, '--yes', '--accept-all-notes', '--apply-fixes'], env);
    const said = up.stdout + up.stderr;
    t.diagnostic(`upgrade ${from} → ${to} with the fix: ${up.ms} ms`);
    assert.equal(up.exitCode, 0, said);
    assert.ok(said.includes('-      - names: [client, webclient, federation]  # as set up long ago'), 'the diff was shown');
    assert.ok(said.includes('+      - names: [client, federation]  # as set up long ago'), 'the diff was shown');
    assert.equal(await hs.serverVersion(), to);
    assert.ok((await readBack(hs, seed)).includes(seed.body));
    const fixed = await readFile(hs.config, 'utf8');
    assert.equal(
      fixed,
      original.toString('utf8').replace('names: [client, webclient, federation]', 'names: [client, federation]'),
      'only the names list changed',
    );
    assert.equal((await stat(hs.config)).mode & 0o777, mode, 'the config keeps its mode');

    const journal = await journalOf(state);
    const writes = journal.configFixes as { path: string; backup: string }[];
    assert.equal(writes.length, 1);
    assert.equal(writes[0]!.path, hs.config);
    assert.deepEqual(await readFile(writes[0]!.backup), original, 'the backup holds the original bytes');
    assert.equal((await stat(writes[0]!.backup)).mode & 0o777, 0o600, 'the backup is private');
    assert.deepEqual(
      [...(journal.acceptedFixes as string[])].sort(),
      ['v1-50-webclient-breaks-client-api', 'v1-51-webclient-deprecated', 'v1-53-webclient-removed'],
      'the 1.50 fix makes the 1.51 and 1.53 ones too',
    );
    const check = journal.steps.find((s) => s.id === 'config-check');
    assert.equal(check?.status, 'done');
    assert.match(String(check?.detail ?? (check as { summary?: string } | undefined)?.summary ?? ''), /accepts the config with the config fixes/);

    // The fixed note no longer applies, and there is nothing left to fix.
    const notes = await runWizard(['notes', '--from', from, '--to', to, '--config', hs.config, '--offline', '--fix', '--json'], env);
    assert.equal(notes.exitCode, 0, notes.stderr);
    const parsed = JSON.parse(notes.stdout) as { notes: { id: string; applies: string }[]; fixes: { changes: unknown[] } };
    assert.equal(parsed.notes.find((n) => n.id === 'v1-53-webclient-removed')?.applies, 'no');
    assert.deepEqual(parsed.fixes.changes, []);

    const back = await runWizard(['rollback', ...where, '--yes'], env);
    t.diagnostic(`rollback ${to} → ${from}: ${back.ms} ms`);
    assert.equal(back.exitCode, 0, back.stdout + back.stderr);
    assert.equal(await hs.serverVersion(), from);
    assert.deepEqual(await readFile(hs.config), original, 'the config file is back, byte for byte');
    assert.equal((await stat(hs.config)).mode & 0o777, mode);
    assert.ok((await readBack(hs, seed)).includes(seed.body), 'the old version serves the data');
    assert.match(back.stdout + back.stderr, /restored from/);
  },
);
