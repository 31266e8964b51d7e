import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { needPostgres, startPostgres, type PgCluster } from '../helpers/postgres.js';
import { sampleArgv } from './helpers/argv-sampler.js';
import { createHomeserver, type RealHomeserver } from './helpers/homeserver.js';
import { login, readBack, seedData, sendMessage } from './helpers/matrix.js';
import { needPidNamespace, openPidNamespace } from './helpers/pidns.js';
import { createSynapseRole, dbSql, usePostgres, waitForPgBackgroundUpdates } from './helpers/postgres.js';
import { realTier, realWizardEnv, stateDirOf } from './helpers/tier.js';
import { journalOf, runWizard, stepList } from './helpers/wizard.js';

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
});

const stepTimes = (journal: { steps: { id: string; startedAt?: string; endedAt?: string }[] }): string =>
  journal.steps
    .filter((s) => s.startedAt && s.endedAt)
    .map((s) => `${s.id} ${((Date.parse(s.endedAt!) - Date.parse(s.startedAt!)) / 1000).toFixed(1)}s`)
    .join(', ');

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Every file under a folder (the wizard's state: journal, transcript, backups), read as bytes. */
async function filesUnder(dir: string): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.push({ path, text: await readFile(path, 'latin1') });
  }
  return out;
}

test(
  'real Synapse on PostgreSQL (a role whose password holds ":@/"): pg_dump backup, upgrade across a compat raise, rollback restores the dump; the password in no argv, transcript or journal',
  { timeout: 1_800_000 },
  async (t) => {
    const tier = await realTier(t);
    const bin = needPostgres(t);
    if (!tier || !bin || !(await needPidNamespace(t))) return;
    const { from, to } = tier.scenario('postgres');
    const cluster: PgCluster = await startPostgres(bin);
    cleanup.push(() => cluster.stop());
    const password = `Pw:@/#${randomBytes(6).toString('hex')}`;
    const db = await createSynapseRole(cluster, { user: 'synapse_user', password, dbname: 'synapse' });
    const ns = await openPidNamespace();
    cleanup.push(() => ns.close());
    const hs: RealHomeserver = await createHomeserver({ version: from, ns, extras: ['postgres'], editConfig: (yaml) => usePostgres(yaml, db) });
    cleanup.push(() => hs.dispose());
    await hs.start();
    const seed = await seedData(hs);
    await waitForPgBackgroundUpdates(cluster, db);
    const state = stateDirOf(hs.root);
    const env = realWizardEnv(state);
    const argv = sampleArgv([password]);
    let sampled = false;
    cleanup.push(async () => {
      if (!sampled) await argv.stop();
    });

    const up = await runWizard(['--yes', '--target', to, '--accept-all-notes'], env, { ns });
    t.diagnostic(`upgrade ${from} → ${to} on PostgreSQL: ${up.ms} ms`);
    t.diagnostic(`upgrade steps: ${stepTimes(await journalOf(state))}`);
    const upSaid = up.stdout + up.stderr;
    assert.equal(up.exitCode, 0, upSaid);
    assert.match(upSaid, new RegExp(`\\[ok\\] detect: Synapse ${escape(from)} \\(pip\\) at ${escape(hs.venv)}`));
    assert.match(upSaid, /with extras \[postgres\]|matrix-synapse\[postgres\]==/, 'the [postgres] extra is kept');
    assert.equal(await hs.serverVersion(), to);
    assert.ok((await readBack(hs, seed)).includes(seed.body), 'the message written before the upgrade is read back');
    const upJournal = await journalOf(state);
    assert.equal(upJournal.outcome, 'upgraded');
    assert.deepEqual(stepList(upJournal), [
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
    const backup = upJournal.backup as { engine?: string; path?: string; source?: string; verified?: string } | undefined;
    assert.equal(backup?.engine, 'psycopg2', JSON.stringify(backup));
    assert.match(backup?.path ?? '', new RegExp(`homeserver-${escape(from)}-\\d{8}T\\d{6}Z\\.dump$`));
    assert.equal(backup?.source, `synapse_user@127.0.0.1:${db.port}/synapse`);
    assert.match(backup?.verified ?? '', /pg_restore --list: \d+ entries, schema_version data included/);
    const upTranscript = await readFile(upJournal.transcript, 'utf8');
    assert.match(upTranscript, /"pg_dump","-h","127\.0\.0\.1","-p","\d+","-U","synapse_user","-w","-Fc"/);
    assert.match(upTranscript, new RegExp(`Successfully installed .*matrix-synapse-${escape(to)}`));
    assert.equal(
      (await dbSql(cluster, db, 'SELECT compat_version FROM schema_compat_version')).trim(),
      '84',
      'the upgrade raised the compat version past what the old release runs on',
    );

    const lost = `written on ${to}, after the upgrade`;
    await sendMessage(hs, seed, await login(hs, seed.user, seed.password), lost);
    await waitForPgBackgroundUpdates(cluster, db);

    const back = await runWizard(['rollback', '--yes'], env, { ns });
    t.diagnostic(`rollback ${to} → ${from} with pg_restore: ${back.ms} ms`);
    const backSaid = back.stdout + back.stderr;
    assert.equal(back.exitCode, 0, backSaid);
    assert.match(backSaid, /restored .* \(taken /, 'the rollback says it restored the backup');
    assert.equal(await hs.serverVersion(), from);
    const bodies = await readBack(hs, seed);
    assert.ok(bodies.includes(seed.body), 'the message from before the upgrade is there');
    assert.ok(!bodies.includes(lost), 'the database is the dump: the message written after the upgrade is gone');
    assert.equal((await dbSql(cluster, db, 'SELECT compat_version FROM schema_compat_version')).trim(), '83');
    const backJournal = await journalOf(state);
    assert.equal(backJournal.outcome, 'rolled-back');
    t.diagnostic(`rollback steps: ${stepTimes(backJournal)}`);
    assert.ok(stepList(backJournal).includes('rollback-restore:done'), stepList(backJournal).join(' '));
    const backTranscript = await readFile(backJournal.transcript, 'utf8');
    assert.match(backTranscript, /"pg_restore","--no-owner","--no-privileges"/);
    assert.match(backTranscript, new RegExp(`matrix-synapse\\[postgres\\]==${escape(from)}`));

    sampled = true;
    const seen = await argv.stop();
    t.diagnostic(`argv sampled ${seen.samples} times`);
    assert.deepEqual(seen.hits, [], "the password was in a process's argv");
    const saw = ['pip', 'pg_dump', 'pg_restore', 'psql', 'synctl'].filter((p) => seen.programs.has(p));
    assert.deepEqual(saw, ['pip', 'pg_dump', 'pg_restore', 'psql', 'synctl'], `the sampler looked while the wizard's commands ran (${seen.samples} samples)`);
    assert.ok(!upSaid.includes(password) && !backSaid.includes(password), "the password was on the wizard's output");
    const leaks = (await filesUnder(state)).filter((f) => f.text.includes(password)).map((f) => f.path);
    assert.deepEqual(leaks, [], 'the password is in the state folder (journal, transcript, backups)');
  },
);
