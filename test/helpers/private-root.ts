import { missingTool } from './tools.js';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';

const SETUP = fileURLToPath(new URL('../fixtures/debian/namespace-setup.sh', import.meta.url));

export interface PrivateRoot {
  /** Runs a command inside the namespace (sees the overlays and only the namespace's processes). */
  run(
    file: string,
    args: string[],
    opts?: { env?: Record<string, string>; input?: string; timeoutMs?: number },
  ): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** Starts a command inside the namespace and leaves it running (killed with the namespace). */
  spawn(file: string, args: string[]): ResultPromise;
  /** Ends pid 1 of the namespace: every process in it dies, the overlays go. */
  close(): Promise<void>;
}

/**
 * A private mount + pid namespace whose /etc, /var, /opt and /usr are overlays on a tmpfs
 * (fixtures/debian/namespace-setup.sh): dpkg, apt and systemd files change only in there.
 */
export async function openPrivateRoot(work: string): Promise<PrivateRoot> {
  const holder = execa('unshare', ['-m', '-p', '-f', '--mount-proc', '--propagation', 'private', 'bash', SETUP, work], { reject: false, all: true });
  const deadline = Date.now() + 20_000;
  while (!existsSync(`${work}/namespace-ready`)) {
    if (holder.exitCode !== undefined && holder.exitCode !== null) throw new Error(`namespace setup failed: ${(await holder).all}`);
    if (Date.now() > deadline) throw new Error('namespace setup timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
  const children = (await readFile(`/proc/${holder.pid}/task/${holder.pid}/children`, 'utf8')).trim().split(/\s+/);
  const inner = children[0];
  if (!inner) throw new Error('no process inside the namespace');
  const enter = ['-t', inner, '-m', '-p', '--'];
  return {
    async run(file, args, opts = {}) {
      const result = await execa('nsenter', [...enter, file, ...args], {
        reject: false,
        timeout: opts.timeoutMs ?? 180_000,
        ...(opts.env ? { env: opts.env, extendEnv: false } : {}),
        ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
      });
      return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
    },
    spawn(file, args) {
      return execa('nsenter', [...enter, file, ...args], { reject: false, stdin: 'ignore' });
    },
    async close() {
      try {
        process.kill(Number(inner), 'SIGKILL');
      } catch {
        // already gone
      }
      await holder;
    },
  };
}

/**
 * Whether this machine lets root make a private mount + pid namespace with overlays (a container
 * without CAP_SYS_ADMIN does not). Skips the test when not, or fails it under SYNAPSE_UPGRADE_NO_SKIP.
 */
export async function needPrivateRoot(t: import('node:test').TestContext): Promise<boolean> {
  const probe = await execa(
    'unshare',
    [
      '-m',
      '-p',
      '-f',
      '--mount-proc',
      '--propagation',
      'private',
      'sh',
      '-c',
      'd=$(mktemp -d) && mount -t tmpfs tmpfs "$d" && mkdir "$d/u" "$d/w" "$d/m" && mount -t overlay overlay -o "lowerdir=/etc,upperdir=$d/u,workdir=$d/w" "$d/m"',
    ],
    { reject: false, all: true },
  );
  if (probe.exitCode === 0) return true;
  return !missingTool(
    t,
    `a private mount+pid namespace with overlays is not possible here: ${String(probe.all).trim().split('\n').at(-1) ?? 'unshare failed'}`,
  );
}
