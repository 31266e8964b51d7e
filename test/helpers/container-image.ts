// Debian bookworm base images for tests on a real container engine (Podman), with no registry:
// debootstrap (minbase plus the packages asked for) from the Debian mirror the machine's apt uses, the
// rootfs tarred into the test cache ($SYNAPSE_UPGRADE_TEST_CACHE, default ~/.cache/synapse-upgrade-test)
// under a key hashed from what decides its content, then `podman import`ed. The first run debootstraps
// (3-4 minutes on a loaded 2-core machine); later runs import the cached tarball (seconds), or reuse the
// image when Podman still has it. Podman runs with a containers.conf of the tests' own (runc, cgroupfs,
// explicit ulimits: what works on these machines, where crun cannot set rlimits), as CONTAINERS_CONF.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot, lockedBuild } from '../real/helpers/cache.js';
import { which } from './tools.js';

export const SUITE = 'bookworm';

export interface BaseImageOptions {
  /** Debian packages added to minbase (debootstrap --include), e.g. python3, systemd, systemd-sysv, dbus. */
  packages: string[];
  /** The image's default command (podman import --change CMD), e.g. ['/sbin/init']. */
  cmd?: string[];
}

const CONTAINERS_CONF = `[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
`;

/** Why container tests cannot run here (for missingTool), or undefined when they can. */
export function containerEngineMissing(): string | undefined {
  const missing = ['podman', 'runc', 'debootstrap', 'unshare'].filter((tool) => !which(tool) && !existsSync(`/usr/sbin/${tool}`));
  if (process.getuid?.() !== 0) missing.push('root (uid 0)');
  return missing.length ? `needs ${missing.join(', ')} (a real container engine)` : undefined;
}

/** The environment for podman: the caller's, with CONTAINERS_CONF pointing at the tests' settings. */
export async function podmanEnv(): Promise<Record<string, string>> {
  const dir = join(cacheRoot(), 'podman');
  const file = join(dir, 'containers.conf');
  if (!existsSync(file) || readFileSync(file, 'utf8') !== CONTAINERS_CONF) {
    await mkdir(dir, { recursive: true });
    const tmp = `${file}.${process.pid}`;
    await writeFile(tmp, CONTAINERS_CONF);
    await execa('mv', ['-f', tmp, file]);
  }
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  return { ...env, CONTAINERS_CONF: file };
}

/** podman with the tests' settings; rejects with podman's stderr on failure. */
export async function podman(args: string[], options: { input?: string; timeout?: number; reject?: boolean } = {}) {
  const result = await execa('podman', args, {
    env: await podmanEnv(),
    extendEnv: false,
    reject: false,
    timeout: options.timeout ?? 10 * 60_000,
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
  });
  if (result.exitCode !== 0 && options.reject !== false) {
    throw new Error(`podman ${args.slice(0, 3).join(' ')} failed (exit ${result.exitCode}): ${String(result.stderr).slice(-1500)}`);
  }
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** The Debian mirror the machine's apt uses (deb822 .sources or one-line .list), else deb.debian.org. */
export function debianMirror(): string {
  const files = ['/etc/apt/sources.list'];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) for (const name of readdirSync(dir).sort()) if (/\.(list|sources)$/.test(name)) files.push(join(dir, name));
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const block of text.split(/\n\s*\n/)) {
      if (/^Suites:.*\bbookworm\b/m.test(block) && !/^Enabled:\s*no/im.test(block)) {
        const uri = /^URIs:\s*(\S+)/m.exec(block)?.[1];
        if (uri && !/security/.test(uri)) return uri;
      }
      for (const line of block.split('\n')) {
        const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/.exec(line.trim());
        if (m?.[1]) return m[1];
      }
    }
  }
  return 'http://deb.debian.org/debian';
}

function imageKey(options: BaseImageOptions): string {
  const packages = [...new Set(options.packages)].sort();
  return createHash('sha256')
    .update(JSON.stringify([SUITE, 'minbase', packages, options.cmd ?? null]))
    .digest('hex')
    .slice(0, 12);
}

/** The cached rootfs tarball for these options (debootstrapped once, under a lock). */
export async function ensureRootfsTarball(options: BaseImageOptions): Promise<string> {
  const key = imageKey(options);
  const dir = await lockedBuild(join(cacheRoot(), 'images', `${SUITE}-${key}`), async (tmp) => {
    const rootfs = join(tmp, 'rootfs');
    const include = [...new Set(options.packages)].sort().join(',');
    // In a mount namespace of its own: the /proc and /sys debootstrap mounts inside the rootfs vanish with
    // it, even when it is killed, so removing a half-made rootfs never reaches the machine's own.
    const boot = await execa(
      'unshare',
      ['-m', '--propagation', 'private', 'debootstrap', '--variant=minbase', ...(include ? [`--include=${include}`] : []), SUITE, rootfs, debianMirror()],
      {
        reject: false,
        timeout: 20 * 60_000,
        stdin: 'ignore',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      },
    );
    if (boot.exitCode !== 0) {
      const log = existsSync(join(rootfs, 'debootstrap', 'debootstrap.log'))
        ? readFileSync(join(rootfs, 'debootstrap', 'debootstrap.log'), 'utf8').slice(-1500)
        : '';
      throw new Error(`debootstrap ${SUITE} failed (exit ${boot.exitCode}): ${String(boot.stderr).slice(-1500)}\n${log}`);
    }
    await rm(join(rootfs, 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true });
    await mkdir(join(rootfs, 'var', 'cache', 'apt', 'archives', 'partial'), { recursive: true });
    await execa('tar', ['-C', rootfs, '--numeric-owner', '-cf', join(tmp, 'rootfs.tar'), '.']);
    await rm(rootfs, { recursive: true, force: true });
    await writeFile(join(tmp, 'options.json'), JSON.stringify({ suite: SUITE, ...options }, null, 2));
  });
  return join(dir, 'rootfs.tar');
}

/**
 * A Podman image of Debian bookworm minbase with `packages`, returned by name
 * (localhost/synapse-upgrade-test/bookworm-<key>:1). Reused when Podman has it, else imported from the
 * cached tarball, else debootstrapped first.
 */
export async function ensureBaseImage(options: BaseImageOptions): Promise<string> {
  const name = `localhost/synapse-upgrade-test/${SUITE}-${imageKey(options)}:1`;
  if ((await podman(['image', 'exists', name], { reject: false })).exitCode === 0) return name;
  const tarball = await ensureRootfsTarball(options);
  const changes = options.cmd ? ['--change', `CMD ${JSON.stringify(options.cmd)}`] : [];
  await podman(['import', ...changes, tarball, name]);
  return name;
}
