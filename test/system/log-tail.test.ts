import assert from 'node:assert/strict';
import { appendFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { lastLines } from '../../src/system/log-tail.js';
import { tempDir } from '../helpers/temp-dir.js';

test('lastLines reads the newest lines, only those after an offset, and tolerates a missing file', async () => {
  const dir = await tempDir('su-tail-');
  const path = join(dir, 'homeserver.log');
  await writeFile(path, 'old 1\nold 2\n');
  const offset = (await stat(path)).size;
  await appendFile(path, 'new 1\nnew 2\nnew 3\n');
  assert.deepEqual(await lastLines(path, 2), ['new 2', 'new 3']);
  assert.deepEqual(await lastLines(path, 10, offset), ['new 1', 'new 2', 'new 3']);
  assert.deepEqual(await lastLines(path, 10, 10_000), ['old 1', 'old 2', 'new 1', 'new 2', 'new 3']);
  assert.deepEqual(await lastLines(join(dir, 'missing.log'), 5), []);
  await writeFile(path, `${'x'.repeat(70 * 1024)}\nlast\n`);
  assert.deepEqual(await lastLines(path, 5), ['last']);
});
