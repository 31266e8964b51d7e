import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { descendsFrom, parentPid } from '../../src/system/proc.js';
import { tempDir } from '../helpers/temp-dir.js';

test('the parent pid is read after the last ")" of /proc/PID/stat, whatever the command name holds', async () => {
  const proc = await tempDir('su-proc-');
  const stat = async (pid: number, text: string) => {
    await mkdir(join(proc, String(pid)), { recursive: true });
    await writeFile(join(proc, String(pid), 'stat'), text);
  };
  await stat(300, '300 (a) S 7 (b)) R 200 300 300 0 -1 4194560\n');
  await stat(200, '200 (dpkg) S 100 200 200 0 -1\n');
  await stat(100, '100 (apt-get) S 1 100 100 0 -1\n');
  assert.equal(await parentPid(300, proc), 200);
  assert.equal(await parentPid(100, proc), 1);
  assert.equal(await parentPid(999, proc), undefined);
  assert.equal(await descendsFrom(300, [100], proc), true);
  assert.equal(await descendsFrom(300, [300], proc), true);
  assert.equal(await descendsFrom(100, [200], proc), false);
  // PID 1 is everyone's ancestor: it never makes a process "ours".
  assert.equal(await descendsFrom(300, [1], proc), false);
  // A loop in a damaged or hostile tree ends.
  await stat(400, '400 (x) S 401 0\n');
  await stat(401, '401 (y) S 400 0\n');
  assert.equal(await descendsFrom(400, [5], proc), false);
});

test('on the real /proc: a grandchild descends from its parent and from this process, not from a sibling', async () => {
  const parent = execa('bash', ['-c', 'sleep 30 & echo $!; wait']);
  const sibling = execa('sleep', ['30']);
  let grandchild = 0;
  try {
    grandchild = await new Promise<number>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
    assert.equal(await parentPid(grandchild), parent.pid);
    assert.equal(await descendsFrom(grandchild, [parent.pid!]), true);
    assert.equal(await descendsFrom(grandchild, [process.pid]), true);
    assert.equal(await descendsFrom(grandchild, [sibling.pid!]), false);
  } finally {
    if (grandchild > 0) process.kill(grandchild, 'SIGKILL');
    parent.kill('SIGKILL');
    sibling.kill('SIGKILL');
    await Promise.allSettled([parent, sibling]);
  }
});
