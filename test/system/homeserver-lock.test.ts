import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AdminError } from '../../src/core/errors.js';
import { holdsSocket, homeserverLockName, lockHomeserver, parseHolder } from '../../src/system/homeserver-lock.js';

let root: string;
let config: string;
let otherSpelling: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'su-hslock-'));
  await mkdir(join(root, 'etc'));
  config = join(root, 'etc', 'homeserver.yaml');
  await writeFile(config, 'server_name: a\n');
  await symlink(join(root, 'etc'), join(root, 'link'));
  otherSpelling = `${root}/link/../link/./homeserver.yaml`;
});
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

test('every spelling of the config path names one lock; another config another', () => {
  assert.equal(homeserverLockName(otherSpelling), homeserverLockName(config));
  assert.notEqual(homeserverLockName(join(root, 'other.yaml')), homeserverLockName(config));
});

/** A second process that takes the lock and says so; killed by the test. */
function holderProcess(path: string, stateDir: string) {
  const code = `import('${new URL('../../src/system/homeserver-lock.ts', import.meta.url).href}').then(async (m) => { await m.lockHomeserver(${JSON.stringify(path)}, { stateDir: ${JSON.stringify(stateDir)}, command: 'wizard' }); process.stdout.write('held\\n'); setInterval(() => {}, 1000); }).catch((e) => process.exit(e.exitCode ?? 1))`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
  const held = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
    child.on('exit', (c) => reject(new Error(`holder exited ${c}`)));
  });
  return { child, held };
}

test('a second taker from another process and spelling gets exit 2 naming pid, host and state folder; a kill -9 frees it at once', async () => {
  const first = holderProcess(config, '/var/lib/state-one/example.test-1234');
  await first.held;
  try {
    await assert.rejects(lockHomeserver(otherSpelling, { stateDir: '/elsewhere', command: 'wizard' }), (e: unknown) => {
      assert.ok(e instanceof AdminError && e.exitCode === 2, String(e));
      assert.match(
        e.message,
        new RegExp(
          `Another synapse-upgrade is working on this homeserver \\(${config.replace(/[.]/g, '\\.')}\\): pid ${first.child.pid} on ${hostname()}, started \\S+, state folder /var/lib/state-one/example\\.test-1234 \\(wizard\\)`,
        ),
      );
      assert.match(e.nextStep ?? '', new RegExp(`kill ${first.child.pid}`));
      return true;
    });
    assert.equal(holdsSocket(first.child.pid!, homeserverLockName(config)), true, 'the holder is checked to be the process listening');
    assert.equal(holdsSocket(process.pid, homeserverLockName(config)), false);
  } finally {
    first.child.kill('SIGKILL');
  }
  await new Promise((resolve) => first.child.once('exit', resolve));
  const lock = await lockHomeserver(config, { stateDir: '/s', command: 'wizard' });
  lock.release();
});

test('in one process the lock is shared (a rollback inside the wizard) and freed when the last taker releases it', async () => {
  const a = await lockHomeserver(config, { stateDir: '/s', command: 'wizard' });
  const b = await lockHomeserver(otherSpelling, { stateDir: '/s', command: 'rollback' });
  b.release();
  const other = holderProcess(config, '/t');
  await assert.rejects(other.held, /holder exited 2/, 'still held by a');
  a.release();
  const again = holderProcess(config, '/t');
  await again.held;
  again.child.kill('SIGKILL');
  await new Promise((resolve) => again.child.once('exit', resolve));
});

test('a holder that lies about being another process is not believed', async () => {
  const name = homeserverLockName(config);
  const { createServer } = await import('node:net');
  const squatter = createServer((s) => s.end(`${JSON.stringify({ pid: 1, host: hostname(), startedAt: 'x', stateDir: '/x', command: 'wizard', config })}\n`));
  await new Promise<void>((resolve) => squatter.listen({ path: name }, resolve));
  try {
    await assert.rejects(
      lockHomeserver(config, { stateDir: '/s', command: 'wizard' }),
      /Another process holds the lock of the homeserver .* claims to be pid 1, which it is not/,
    );
  } finally {
    squatter.close();
  }
  assert.equal(parseHolder('{"pid": "1; rm -rf /"}'), undefined);
  assert.equal(parseHolder('not json'), undefined);
});

test('the same path in another folder (another container or mount namespace) is another homeserver; a config rewritten in place is the same one', async () => {
  const { rename } = await import('node:fs/promises');
  const base = await mkdtemp(join(tmpdir(), 'su-lock-ns-'));
  try {
    const etc = join(base, 'matrix-synapse');
    const config = join(etc, 'homeserver.yaml');
    await mkdir(etc);
    await writeFile(config, 'server_name: a.test\n');
    const first = homeserverLockName(config);
    // Rewritten atomically (a fix applied): new inode, same folder, same lock.
    await writeFile(`${config}.new`, 'server_name: a.test\n# fixed\n');
    await rename(`${config}.new`, config);
    assert.equal(homeserverLockName(config), first);
    // Another folder at the very same path (what a second mount namespace's /etc/matrix-synapse is): another lock.
    await rename(etc, join(base, 'old'));
    await mkdir(etc);
    await writeFile(config, 'server_name: b.test\n');
    assert.notEqual(homeserverLockName(config), first);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
