import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { aptUpdateProblems, archiveVersion, cachedDeb, parseAptPolicy, synapseVersions } from '../../src/methods/debian.js';
import { aptLockHolders, lockHoldersByOwner } from '../../src/methods/debian-lock.js';
import { tempDir } from '../helpers/temp-dir.js';

// `apt-cache policy matrix-synapse-py3` on a bookworm host with packages.matrix.org (prerelease too).
const POLICY = `matrix-synapse-py3:
  Installed: 1.156.0+bookworm1
  Candidate: 1.157.1+bookworm1
  Version table:
     1.157.1+bookworm1 500
        500 https://packages.matrix.org/debian bookworm/main amd64 Packages
     1.157.0~rc1+bookworm1 500
        500 https://packages.matrix.org/debian bookworm/prerelease amd64 Packages
 *** 1.156.0+bookworm1 100
        100 /var/lib/dpkg/status
`;

test('apt-cache policy: installed, candidate, every version with its sources', () => {
  const policy = parseAptPolicy(POLICY);
  assert.equal(policy.installed, '1.156.0+bookworm1');
  assert.equal(policy.candidate, '1.157.1+bookworm1');
  assert.deepEqual(
    policy.versions.map((v) => [v.version, v.installed, v.sources.length]),
    [
      ['1.157.1+bookworm1', false, 1],
      ['1.157.0~rc1+bookworm1', false, 1],
      ['1.156.0+bookworm1', true, 1],
    ],
  );
  assert.equal(policy.versions[2]?.sources[0], '/var/lib/dpkg/status', 'installed but no longer offered: not downloadable');
});

test('package versions map to Synapse versions; release candidates only with --pre', () => {
  const policy = parseAptPolicy(POLICY);
  assert.deepEqual(synapseVersions(policy, false), { '1.157.1': '1.157.1+bookworm1', '1.156.0': '1.156.0+bookworm1' });
  assert.equal(synapseVersions(policy, true)['1.157.0rc1'], '1.157.0~rc1+bookworm1');
});

test('EXPKEYSIG from apt-get update: the expired key and the keyring fix', () => {
  const output = `Hit:1 http://deb.debian.org/debian bookworm InRelease
Get:2 https://packages.matrix.org/debian bookworm InRelease [3,981 B]
Err:2 https://packages.matrix.org/debian bookworm InRelease
  The following signatures were invalid: EXPKEYSIG F473DD4473365DE1 Matrix.org Foundation (Packaging key) <packages@matrix.org>
W: An error occurred during the signature verification. The repository is not updated and the previous index files will be used. GPG error: https://packages.matrix.org/debian bookworm InRelease: The following signatures were invalid: EXPKEYSIG F473DD4473365DE1 Matrix.org Foundation (Packaging key) <packages@matrix.org>`;
  const [problem] = aptUpdateProblems(output);
  assert.match(problem ?? '', /signing key F473DD4473365DE1 has expired \(EXPKEYSIG\)/);
  assert.match(
    problem ?? '',
    /wget -O \/usr\/share\/keyrings\/matrix-org-archive-keyring\.gpg https:\/\/packages\.matrix\.org\/debian\/matrix-org-archive-keyring\.gpg/,
  );
  assert.deepEqual(aptUpdateProblems('Hit:1 file:/srv/repo ./ InRelease\nReading package lists...'), []);
});

test("apt's cache names: an epoch's colon becomes %3a; the installed .deb is found there", async () => {
  assert.equal(archiveVersion('1:1.47.0+bookworm1'), '1%3a1.47.0+bookworm1');
  const root = await tempDir('su-aptcache-');
  await mkdir(join(root, 'var/cache/apt/archives'), { recursive: true });
  await writeFile(join(root, 'var/cache/apt/archives/matrix-synapse-py3_1.46.0+bookworm1_amd64.deb'), '');
  assert.equal(
    await cachedDeb({ root, package: 'matrix-synapse-py3', packageVersion: '1.46.0+bookworm1' }),
    join(root, 'var/cache/apt/archives/matrix-synapse-py3_1.46.0+bookworm1_amd64.deb'),
  );
  assert.equal(await cachedDeb({ root, package: 'matrix-synapse-py3', packageVersion: '1.47.0+bookworm1' }), undefined);
});

test('a held dpkg lock is found with F_GETLK (who holds it), without taking it', async () => {
  const root = await tempDir('su-aptlock-');
  const lock = join(root, 'var/lib/dpkg/lock-frontend');
  await mkdir(join(root, 'var/lib/dpkg'), { recursive: true });
  await writeFile(lock, '');
  assert.deepEqual(await aptLockHolders(root), []);
  const ready = join(root, 'ready');
  const release = join(root, 'release');
  const holder = execa('python3', [
    '-c',
    `import fcntl,os,time\nf=open('${lock}','w'); fcntl.lockf(f, fcntl.LOCK_EX); open('${ready}','w').close()\nwhile not os.path.exists('${release}'): time.sleep(0.02)`,
  ]);
  try {
    for (let i = 0; i < 200; i++) {
      if (
        await import('node:fs/promises').then((fs) =>
          fs.access(ready).then(
            () => true,
            () => false,
          ),
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const holders = await aptLockHolders(root);
    assert.equal(holders.length, 1);
    assert.equal(holders[0]?.lock, lock);
    assert.equal(holders[0]?.pid, holder.pid);
    assert.match(holders[0]?.command ?? '', /python/);
  } finally {
    await writeFile(release, '');
    await holder;
  }
  assert.deepEqual(await aptLockHolders(root), []);
});

test("a lock held under a command the resumed session follows is its own; any other holder is a stranger's", async () => {
  const root = await tempDir('su-aptlock-own-');
  const lock = join(root, 'var/lib/dpkg/lock-frontend');
  await mkdir(join(root, 'var/lib/dpkg'), { recursive: true });
  await writeFile(lock, '');
  const ready = join(root, 'ready');
  const release = join(root, 'release');
  // As apt-get runs dpkg: the lock is held by a child of the command the journal recorded (here bash → python3).
  const command = execa('bash', [
    '-c',
    `python3 -c "import fcntl,os,time
f=open('${lock}','w'); fcntl.lockf(f, fcntl.LOCK_EX); open('${ready}','w').close()
while not os.path.exists('${release}'): time.sleep(0.02)"; true`,
  ]);
  const sibling = execa('sleep', ['30']);
  try {
    const { access } = await import('node:fs/promises');
    for (
      let i = 0;
      i < 400 &&
      !(await access(ready).then(
        () => true,
        () => false,
      ));
      i++
    )
      await new Promise((r) => setTimeout(r, 25));
    const holders = await aptLockHolders(root);
    assert.equal(holders.length, 1);
    assert.notEqual(holders[0]?.pid, command.pid, 'held by the child, not the recorded command itself');
    const followed = await lockHoldersByOwner(holders, [command.pid!]);
    assert.deepEqual(followed, { ours: holders, others: [] });
    // Another command's pid (not an ancestor of the holder), or nothing followed: a stranger's lock.
    assert.deepEqual(await lockHoldersByOwner(holders, [sibling.pid!]), { ours: [], others: holders });
    assert.deepEqual(await lockHoldersByOwner(holders, []), { ours: [], others: holders });
  } finally {
    sibling.kill();
    await sibling.catch(() => {});
    await writeFile(release, '');
    await command;
  }
});
