import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { execa } from 'execa';

/** True while `pid` exists and is not a zombie (an exited daemon nobody reaped yet). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** The environment for pip and the stand-in: the host's pip settings (config files, PIP_* vars) left out. */
export function pipEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('PIP_') && key !== 'PYTHONPATH' && key !== 'VIRTUAL_ENV') env[key] = value;
  }
  return { ...env, PIP_CONFIG_FILE: os.devNull, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' };
}

/** Runs a command; throws with its output when it exits non-zero. */
export async function runChecked(file: string, args: string[]): Promise<{ stdout: string }> {
  const result = await execa(file, args, { env: pipEnv(), extendEnv: false, reject: false, all: true });
  if (result.exitCode !== 0) {
    throw new Error(`${file} ${args.join(' ')} failed (exit ${result.exitCode ?? result.signal}):\n${result.all}`);
  }
  return { stdout: result.stdout };
}

export async function waitUntil(check: () => boolean, timeoutMs: number, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

export function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The URL to reach a listener bound to `address` from this host. */
export function urlFor(address: string | undefined, port: number): string {
  if (!address || address === '0.0.0.0' || address === '::') return `http://127.0.0.1:${port}`;
  return address.includes(':') ? `http://[${address}]:${port}` : `http://${address}:${port}`;
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
