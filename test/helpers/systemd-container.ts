// A Podman container running real systemd as PID 1 on a debootstrapped Debian bookworm (container-image.ts),
// with a network namespace of its own (loopback only: fixed ports inside never meet other tests' ports).
import { execa } from 'execa';
import { ensureBaseImage, podman, podmanEnv } from './container-image.js';

/** What the systemd image holds: systemd as init, Python for Synapse, adduser for the package's postinst, dpkg-repack. */
export const SYSTEMD_IMAGE = { packages: ['python3', 'systemd', 'systemd-sysv', 'dbus', 'adduser', 'dpkg-repack'], cmd: ['/sbin/init'] };

export interface Mount {
  host: string;
  path: string;
  readOnly?: boolean;
}

export interface SystemdContainer {
  name: string;
  /** argv inside the container (podman exec), never rejecting; `input` goes to its stdin. */
  exec(
    argv: string[],
    options?: { input?: string; env?: Record<string, string>; timeout?: number },
  ): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** A bash script inside; fails the caller with its output when it exits non-zero. Returns stdout, trimmed. */
  sh(script: string, timeout?: number): Promise<string>;
  /** Starts argv inside without waiting (for a run to be killed); the podman exec child. */
  spawn(argv: string[], env?: Record<string, string>): ReturnType<typeof execa>;
  remove(): Promise<void>;
}

/** Starts a container of the systemd image and waits until systemd says the system is up. */
export async function startSystemdContainer(name: string, mounts: Mount[]): Promise<SystemdContainer> {
  const image = await ensureBaseImage(SYSTEMD_IMAGE);
  await podman(['rm', '-f', '-t', '0', name], { reject: false });
  const volumes = mounts.flatMap((m) => ['-v', `${m.host}:${m.path}${m.readOnly ? ':ro' : ''}`]);
  await podman(['run', '-d', '--name', name, '--systemd=always', '--network', 'none', '--label', 'synapse-upgrade-test=1', ...volumes, image, '/sbin/init']);
  const env = await podmanEnv();
  const envArgs = (vars: Record<string, string> = {}) => Object.entries(vars).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const container: SystemdContainer = {
    name,
    async exec(argv, options = {}) {
      const r = await execa('podman', ['exec', ...(options.input !== undefined ? ['-i'] : []), ...envArgs(options.env), name, ...argv], {
        env,
        extendEnv: false,
        reject: false,
        timeout: options.timeout ?? 600_000,
        ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
      });
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    async sh(script, timeout) {
      const r = await container.exec(['bash', '-euo', 'pipefail', '-s'], { input: script, timeout });
      if (r.exitCode !== 0) throw new Error(`in the container (exit ${r.exitCode}):\n${script}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
      return r.stdout.trim();
    },
    spawn(argv, vars) {
      return execa('podman', ['exec', ...envArgs(vars), name, ...argv], { env, extendEnv: false, reject: false, stdin: 'ignore' });
    },
    async remove() {
      await podman(['rm', '-f', '-t', '0', name], { reject: false });
    },
  };
  // `is-system-running --wait` returns once start-up is over: running, or degraded when a unit failed.
  // Until systemd has its bus up, systemctl cannot ask (a loaded machine takes seconds to get there); until it has
  // made /run/systemd/system (its first moments as PID 1), systemctl says `offline` at once, without waiting (CI).
  const deadline = Date.now() + 180_000;
  let up = await container.exec(['systemctl', 'is-system-running', '--wait'], { timeout: 180_000 });
  while ((!up.stdout.trim() || up.stdout.trim() === 'offline') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    up = await container.exec(['systemctl', 'is-system-running', '--wait'], { timeout: 180_000 });
  }
  const state = up.stdout.trim();
  if (state !== 'running' && state !== 'degraded') {
    const failed = await container.exec(['systemctl', '--failed', '--no-pager']);
    await container.remove();
    throw new Error(`systemd in ${name} did not come up (${state || up.stderr.trim()}):\n${failed.stdout}`);
  }
  return container;
}
