import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AdminError } from '../../src/core/errors.js';
import { acquireLock, lockPath, readLock } from '../../src/system/lock.js';
import { processStart } from '../../src/system/proc-identity.js';

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'su-lock-'));
  dirs.push(dir);
  return dir;
};
/** A pid that existed a moment ago and is gone now. */
const deadPid = (): number => spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim() as unknown as number;

test('one holder at a time: the lock names pid, host and start; a second taker is refused with exit 2 naming the pid', async () => {
  const dir = await tempDir();
  const held = acquireLock(dir);
  const info = JSON.parse(await readFile(lockPath(dir), 'utf8'));
  assert.equal(info.pid, process.pid);
  assert.equal(info.host, hostname());
  assert.ok(Date.parse(info.startedAt) > 0);
  assert.equal(info.start, processStart(process.pid));
  assert.equal(held.tookOver, undefined);
  assert.throws(
    () => acquireLock(dir),
    (e: unknown) => e instanceof AdminError && e.exitCode === 2 && new RegExp(`pid ${process.pid} on ${hostname()}`).test(e.message),
  );
  assert.equal(readLock(dir)?.live, true);
  held.release();
  assert.equal(readLock(dir), undefined);
  acquireLock(dir).release();
});

test('a lock whose process is gone, whose pid was reused, or that is damaged is stale: taken over, and said so', async () => {
  const dir = await tempDir();
  const stale = [
    { pid: Number(deadPid()), host: hostname(), startedAt: '2026-01-01T00:00:00.000Z' },
    { pid: process.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', start: '1' }, // our pid, but not our start time
    'not json',
  ];
  for (const holder of stale) {
    await writeFile(lockPath(dir), typeof holder === 'string' ? holder : JSON.stringify(holder));
    assert.equal(readLock(dir)?.live, false);
    const held = acquireLock(dir);
    assert.ok(held.tookOver, `took over ${JSON.stringify(holder)}`);
    if (typeof holder !== 'string') assert.equal(held.tookOver.pid, holder.pid);
    assert.equal(JSON.parse(await readFile(lockPath(dir), 'utf8')).pid, process.pid);
    held.release();
  }
});

test('release removes only its own lock; a lock from another host counts as live', async () => {
  const dir = await tempDir();
  const held = acquireLock(dir);
  const other = JSON.stringify({ pid: 1, host: 'elsewhere.example', startedAt: '2026-01-01T00:00:00.000Z' });
  await writeFile(lockPath(dir), other);
  held.release();
  assert.equal(await readFile(lockPath(dir), 'utf8'), other);
  assert.throws(() => acquireLock(dir), /pid 1 on elsewhere\.example/);
});
