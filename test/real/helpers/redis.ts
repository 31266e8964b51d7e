// Debian's redis-server on a free loopback port, started by the test (no persistence, its own temp folder),
// as the Redis that Synapse's workers replicate through. Missing redis-server skips locally, fails in CI.
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from '../../../src/demo/standin.js';
import { missingTool, which } from '../../helpers/tools.js';
import { waitFor } from './homeserver.js';

export interface Redis {
  port: number;
  stop(): Promise<void>;
}

export function needRedis(t: TestContext): boolean {
  return !missingTool(t, which('redis-server') ? undefined : 'redis-server is missing: install the `redis-server` package');
}

/** Sends PING and resolves with whether +PONG came back. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('data', (data) => {
      socket.end();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.on('error', () => resolve(false));
  });
}

export async function startRedis(): Promise<Redis> {
  const dir = await mkdtemp(join(tmpdir(), 'su-redis-'));
  const port = await freePort();
  const server: ResultPromise = execa(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', join(dir, 'redis.log')],
    { reject: false, stdin: 'ignore' },
  );
  try {
    await waitFor(() => ping(port), 30_000, `redis-server to answer PING on port ${port}`, 100);
  } catch (error) {
    server.kill('SIGKILL');
    await server;
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    async stop() {
      server.kill('SIGTERM');
      await server;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
