import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import semver from 'semver';
import { createHomeserver, type RealHomeserver } from './helpers/homeserver.js';
import { seedData, waitForBackgroundUpdates } from './helpers/matrix.js';
import { realTier, realWizardEnv } from './helpers/tier.js';
import { runWizard } from './helpers/wizard.js';

const made: RealHomeserver[] = [];
after(async () => {
  await Promise.all(made.map((hs) => hs.dispose()));
});

/** Everything the dry run must leave alone: installed packages, config files, the database's rows, the process. */
async function fingerprint(hs: RealHomeserver) {
  const freeze = String((await execa(join(hs.venv, 'bin', 'python'), ['-I', '-m', 'pip', 'freeze', '--all', '--disable-pip-version-check'])).stdout);
  const config = createHash('sha256');
  for (const name of (await readdir(hs.dir)).sort()) {
    if (/^homeserver\.(db|log|pid)|^media_store$/.test(name)) continue; // the server's own, written while it runs
    config.update(name).update(await readFile(join(hs.dir, name)));
  }
  const dump =
    'import sqlite3,sys,hashlib\nc=sqlite3.connect("file:"+sys.argv[1]+"?mode=ro",uri=True,timeout=10)\nh=hashlib.sha256()\nfor line in c.iterdump(): h.update(line.encode())\nprint(h.hexdigest())';
  const database = String((await execa(join(hs.venv, 'bin', 'python'), ['-I', '-c', dump, hs.database])).stdout).trim();
  return { freeze, config: config.digest('hex'), database, pid: hs.pid(), version: await hs.serverVersion() };
}

test(
  "real Synapse: --dry-run --target latest (no terminal, no --yes) resolves latest from the index, runs pip's own dry run, and changes nothing; a missing target names the nearest newer releases",
  { timeout: 1_200_000 },
  async (t) => {
    const tier = await realTier(t);
    if (!tier) return;
    const { from } = tier.scenario('pip-sqlite');
    const hs = await createHomeserver({ version: from });
    made.push(hs);
    await hs.start();
    await seedData(hs);
    await waitForBackgroundUpdates(hs);
    const state = join(hs.root, 'state');
    const env = realWizardEnv(state);
    const where = ['--venv', hs.venv, '--config', hs.config];

    const before = await fingerprint(hs);
    const dry = await runWizard([...where, '--target', 'latest', '--dry-run'], env);
    t.diagnostic(`dry run: ${dry.ms} ms`);
    const said = dry.stdout + dry.stderr;
    assert.equal(dry.exitCode, 0, said);
    assert.ok(said.includes(tier.newest), `latest is the index's newest, ${tier.newest}: ${said}`);
    assert.match(
      said,
      new RegExp(`Would install .*matrix-synapse-${tier.newest.replace(/\./g, '\\.')}`),
      "pip's own dry run resolved the upgrade against the index",
    );
    assert.match(said, /Dry run: nothing was changed/);
    assert.deepEqual(await fingerprint(hs), before, 'pip freeze, the config folder, the database and the pid are as before');

    const newer = tier.releases.filter((v) => semver.gt(v, from)).sort(semver.compare);
    const above = newer[0]!;
    const missing = `${semver.major(above)}.${semver.minor(above)}.${semver.patch(above) + 50}`;
    assert.ok(!tier.releases.includes(missing));
    const wrong = await runWizard([...where, '--target', missing, '--yes'], env);
    const answer = wrong.stdout + wrong.stderr;
    assert.equal(wrong.exitCode, 2, answer);
    const listed = /nearest available versions are ([\d., ]+?)\.?$/m.exec(answer)?.[1]?.split(/,\s*/) ?? [];
    assert.ok(listed.length > 0, `the answer names versions: ${answer}`);
    for (const v of listed) assert.ok(tier.releases.includes(v) && semver.gt(v, from), `${v} is a real release newer than the installed ${from}`);
    if (newer.some((v) => semver.gt(v, missing)))
      assert.ok(
        listed.some((v) => semver.gt(v, missing)),
        `a release newer than ${missing} is named: ${listed.join(', ')}`,
      );
    assert.equal(await hs.serverVersion(), from);
  },
);
