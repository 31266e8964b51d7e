import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AdminError } from '../../src/core/errors.js';
import { readYamlFile } from '../../src/config/yaml-file.js';

let dir: string | undefined;
after(async () => dir && rm(dir, { recursive: true, force: true }));

test('configs: a FIFO does not hang, more than 8 MiB is refused, an alias bomb names file:line (all exit 2)', async () => {
  dir = await mkdtemp(join(tmpdir(), 'su-config-limits-'));
  const fifo = join(dir, 'fifo.yaml');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(readYamlFile(fifo), (e: unknown) => e instanceof AdminError && e.exitCode === 2 && /not a regular file/.test(e.message));
  const big = join(dir, 'big.yaml');
  await writeFile(big, 'server_name: x\n');
  await truncate(big, 8 * 1024 * 1024 + 1);
  await assert.rejects(readYamlFile(big), (e: unknown) => e instanceof AdminError && e.exitCode === 2 && /more than the 8 MiB/.test(e.message));
  const bomb = join(dir, 'bomb.yaml');
  const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  await writeFile(bomb, `server_name: x\n${levels.join('\n')}\n`);
  await assert.rejects(readYamlFile(bomb), (e: unknown) => e instanceof AdminError && e.exitCode === 2 && new RegExp(`${bomb}:3:\\d+: this file is not valid YAML`).test(e.message));
});
