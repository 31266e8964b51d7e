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
  for (let i = 1; i < 9; i++)
    levels.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(',')}]`,
    );
  await writeFile(bomb, `server_name: x\n${levels.join('\n')}\n`);
  await assert.rejects(
    readYamlFile(bomb),
    (e: unknown) => e instanceof AdminError && e.exitCode === 2 && new RegExp(`${bomb}:3:\\d+: this file is not valid YAML`).test(e.message),
  );
});

test('the client listener: a port outside 1-65535 or a bind address that is not an address is refused with file:line (exit 2)', async () => {
  const { loadHomeserverConfig } = await import('../../src/config/homeserver-config.js');
  const { clientListenerUrl } = await import('../../src/config/listener.js');
  const base = await mkdtemp(join(tmpdir(), 'su-listener-'));
  try {
    const cases: [string, RegExp][] = [
      ['port: 70000\n    bind_addresses: ["127.0.0.1"]', /hs\.yaml:3: the listener's port 70000 is not a port/],
      ['port: 0\n    bind_addresses: ["127.0.0.1"]', /hs\.yaml:3: the listener's port 0 is not a port/],
      ['port: 8008\n    bind_addresses: ["$(reboot)"]', /hs\.yaml:3: the listener's bind address "\$\(reboot\)" is not an IP address/],
    ];
    for (const [listener, message] of cases) {
      const file = join(base, 'hs.yaml');
      await writeFile(file, `server_name: x\nlisteners:\n  - ${listener}\n    resources: [{names: [client]}]\n`);
      const config = await loadHomeserverConfig([file]);
      assert.throws(
        () => clientListenerUrl(config),
        (e: unknown) => e instanceof AdminError && e.exitCode === 2 && message.test(e.message),
      );
    }
    await writeFile(
      join(base, 'hs.yaml'),
      'server_name: x\nlisteners:\n  - port: 8008\n    bind_addresses: ["::1", "[::]", "0.0.0.0"]\n    resources: [{names: [client]}]\n',
    );
    assert.equal(clientListenerUrl(await loadHomeserverConfig([join(base, 'hs.yaml')]))?.url, 'http://127.0.0.1:8008');
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
