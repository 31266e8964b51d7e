import assert from 'node:assert/strict';
import { readFile, readlink } from 'node:fs/promises';
import { after, test } from 'node:test';
import { createHomeserver, type RealHomeserver } from './helpers/homeserver.js';
import { pendingBackgroundUpdates, readBack, seedData, waitForBackgroundUpdates } from './helpers/matrix.js';
import { realTier } from './helpers/tier.js';

const made: RealHomeserver[] = [];
after(async () => {
  await Promise.all(made.map((hs) => hs.dispose()));
});

test(
  'real Synapse from PyPI, set up as admins do: synctl with a relative -c, daemon in /, a message read back after a restart',
  { timeout: 900_000 },
  async (t) => {
    const tier = await realTier(t);
    if (!tier) return;
    const { from } = tier.scenario('first-hand-test');
    const hs = await createHomeserver({ version: from });
    made.push(hs);
    await hs.start();
    assert.equal(await hs.serverVersion(), from);
    const pid = hs.pid();
    assert.ok(pid, 'synctl wrote a pid file');
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
    assert.ok(argv.includes('homeserver.yaml'), `the config path is passed on as typed (relative): ${argv.join(' ')}`);
    assert.equal(await readlink(`/proc/${pid}/cwd`), '/', 'the daemon works in /');
    const environ = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
    assert.ok(environ.includes(`PWD=${hs.dir}`), 'PWD still names the folder synctl was started in');
    const seed = await seedData(hs);
    await waitForBackgroundUpdates(hs);
    assert.equal(await pendingBackgroundUpdates(hs), 0);
    await hs.stop();
    assert.equal(hs.pid(), undefined);
    await hs.start();
    assert.deepEqual((await readBack(hs, seed))[0], seed.body);
  },
);
