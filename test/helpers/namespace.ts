// Runs a command in its own mount namespace with a small tmpfs mounted on a folder: a full or
// read-only filesystem that only that command sees (root and unshare(1) needed).
import { missingTool } from './tools.js';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';

/** True when this process can make private mounts; otherwise skips (or fails under SYNAPSE_UPGRADE_NO_SKIP). */
export async function needPrivateMounts(t: TestContext): Promise<boolean> {
  const why = process.getuid?.() !== 0 ? 'not root' : !existsSync('/usr/bin/unshare') && !existsSync('/bin/unshare') ? 'no unshare' : undefined;
  const works = why ? false : (await execa('unshare', ['-m', 'true'], { reject: false })).exitCode === 0;
  return works || !missingTool(t, `private mounts (unshare -m as root) unavailable: ${why ?? 'unshare -m failed'}`);
}

/** `argv` run with a tmpfs (`options`, e.g. `size=256k` or `ro`) mounted on `dir`, visible to it alone. */
export async function withTmpfs(dir: string, options: string, argv: string[], env: Record<string, string>) {
  const script = 'mount -t tmpfs -o "$1" synapse-upgrade-test "$2" || exit 97; shift 2; exec "$@"';
  const result = await execa('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', options, dir, ...argv], {
    env,
    extendEnv: false,
    reject: false,
    timeout: 120_000,
    stdin: 'ignore',
  });
  if (result.exitCode === 97) throw new Error(`mounting a tmpfs on ${dir} failed: ${result.stderr}`);
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}
