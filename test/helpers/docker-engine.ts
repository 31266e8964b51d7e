// A real Docker engine for tests: Podman's Docker-compatible API on a socket of the test's own, driven by
// the machine's own `docker` client through DOCKER_HOST, and Debian's docker-registry on a loopback port
// holding Synapse images laid out like the official one (test/fixtures/docker-engine), built from real
// Synapse (the real tier's cached venvs) on the debootstrapped bookworm base of container-image.ts (the
// systemd image's: one debootstrap serves both). The registry's storage folder is the cache: built once per
// content key into $SYNAPSE_UPGRADE_TEST_CACHE/docker-registry/, then hard-linked into each test's registry
// (the registry only ever adds files, never rewrites one). Nothing reaches outside the machine.
import { execa, type ResultPromise } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/demo/standin.js';
import { cacheRoot, ensureVenvTemplate, lockedBuild } from '../real/helpers/cache.js';
import { containerEngineMissing, ensureBaseImage, podman, podmanEnv } from './container-image.js';
import { SYSTEMD_IMAGE } from './systemd-container.js';
import { which } from './tools.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/docker-engine/', import.meta.url));
export const REPO = 'matrixdotorg/synapse';

/** Why the real engine cannot run here, or undefined. */
export function dockerEngineMissing(): string | undefined {
  const engine = containerEngineMissing();
  if (engine) return engine;
  const missing = ['docker', 'docker-registry', 'docker-compose'].filter((tool) => !which(tool));
  return missing.length ? `needs ${missing.join(', ')} (the docker client, Debian's docker-registry and docker-compose)` : undefined;
}

async function waitUntil(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Registry {
  host: string;
  stop(): Promise<void>;
}

/** Debian's docker-registry serving `storage` on a free loopback port. */
async function startRegistry(dir: string, storage: string): Promise<Registry> {
  const port = await freePort();
  const config = join(dir, 'registry.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storage}`,
      '  delete:',
      '    enabled: false',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const child: ResultPromise = execa('docker-registry', ['serve', config], { reject: false, stdin: 'ignore', all: true, buffer: { all: true } });
  const host = `127.0.0.1:${port}`;
  await waitUntil(
    async () => {
      if (child.exitCode !== null && child.exitCode !== undefined) throw new Error(`docker-registry exited: ${String((await child).all).slice(-1000)}`);
      return await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.ok,
        () => false,
      );
    },
    20_000,
    'the registry answering',
  );
  return {
    host,
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}

const registriesConf = (host: string) => `[[registry]]\nlocation = "${host}"\ninsecure = true\n`;

const contentKey = (versions: readonly string[]): string =>
  createHash('sha256')
    .update(JSON.stringify([SYSTEMD_IMAGE, versions, ...['Containerfile', 'start.py'].map((f) => readFileSync(join(FIXTURE, f), 'utf8'))]))
    .digest('hex')
    .slice(0, 12);

/**
 * The registry storage with `matrixdotorg/synapse:v<version>` for each version, built once: a context per
 * version (the cached venv's site-packages hard-linked in), `podman build`, `podman push` to a registry
 * serving the folder being built, the built images removed again from Podman's store.
 */
export async function ensureRegistryStorage(versions: readonly string[]): Promise<string> {
  return lockedBuild(join(cacheRoot(), 'docker-registry', contentKey(versions)), async (tmp) => {
    const base = await ensureBaseImage(SYSTEMD_IMAGE);
    const python = (
      await podman(['run', '--rm', '--network', 'none', base, 'python3', '-c', 'import platform; print(platform.python_version())'])
    ).stdout.trim();
    const storage = join(tmp, 'storage');
    await mkdir(storage, { recursive: true });
    const registry = await startRegistry(tmp, storage);
    const conf = join(tmp, 'registries.conf');
    await writeFile(conf, registriesConf(registry.host));
    try {
      for (const version of versions) {
        const venv = await ensureVenvTemplate(version);
        const context = join(tmp, `context-${version}`);
        await mkdir(context);
        await execa('cp', ['-al', join(venv, 'lib', 'python3.11', 'site-packages'), join(context, 'site-packages')]);
        for (const f of ['Containerfile', 'start.py']) await execa('cp', ['-p', join(FIXTURE, f), context]);
        const name = `${registry.host}/${REPO}:v${version}`;
        await podman(
          [
            'build',
            '--network',
            'none',
            '--build-arg',
            `BASE=${base}`,
            '--build-arg',
            `PYTHON_VERSION=${python}`,
            '-t',
            name,
            '-f',
            join(context, 'Containerfile'),
            context,
          ],
          { timeout: 15 * 60_000 },
        );
        const push = await execa('podman', ['push', '--tls-verify=false', name], {
          env: { ...(await podmanEnv()), CONTAINERS_REGISTRIES_CONF: conf },
          extendEnv: false,
          reject: false,
          stdin: 'ignore',
        });
        if (push.exitCode !== 0) throw new Error(`podman push ${name} failed: ${String(push.stderr).slice(-1500)}`);
        await podman(['rmi', name], { reject: false });
        await rm(context, { recursive: true, force: true });
      }
    } finally {
      await registry.stop();
    }
  });
}

export interface DockerEngine {
  /** The registry, `127.0.0.1:PORT`. */
  registry: string;
  /** The content key of the images it holds (what a cache built from them is keyed by). */
  imagesKey: string;
  /** DOCKER_HOST (and Podman's settings) for the docker client and the wizard. */
  env: Record<string, string>;
  docker(args: string[], opts?: { cwd?: string }): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** Removes every container and image the test made, stops the API and the registry. */
  stop(): Promise<void>;
}

/** Podman's Docker API on `dir/podman.sock` and the registry holding `versions`, both of this test's own. */
export async function startDockerEngine(dir: string, versions: readonly string[]): Promise<DockerEngine> {
  const cached = await ensureRegistryStorage(versions);
  const storage = join(dir, 'registry');
  await execa('cp', ['-al', join(cached, 'storage'), storage]);
  const registry = await startRegistry(dir, storage);
  const conf = join(dir, 'registries.conf');
  await writeFile(conf, registriesConf(registry.host));
  const socket = join(dir, 'podman.sock');
  const podmanVars = { ...(await podmanEnv()), CONTAINERS_REGISTRIES_CONF: conf };
  const service: ResultPromise = execa('podman', ['system', 'service', '--time=0', `unix://${socket}`], {
    env: podmanVars,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    all: true,
    buffer: { all: true },
  });
  const env: Record<string, string> = { ...podmanVars, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(dir, 'docker-config') };
  const docker = async (args: string[], opts: { cwd?: string } = {}) => {
    const r = await execa('docker', args, {
      env,
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: 10 * 60_000,
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  await waitUntil(
    async () => {
      if (service.exitCode !== null && service.exitCode !== undefined)
        throw new Error(`podman system service exited: ${String((await service).all).slice(-1000)}`);
      return existsSync(socket) && (await docker(['version', '--format', '{{.Server.Version}}'])).exitCode === 0;
    },
    30_000,
    "Podman's Docker API answering",
  );
  // A run that was killed leaves its containers: those of a test folder that is gone are removed (a running
  // one would make the next run's wizard see two homeservers).
  for (const line of (
    await docker(['ps', '-a', '--filter', 'label=synapse-upgrade-test', '--format', '{{.ID}} {{.Label "synapse-upgrade-test"}}'])
  ).stdout.split('\n')) {
    const [id, owner] = line.trim().split(' ');
    if (id && owner && /\/su-docker-engine-[^/]+$/.test(owner) && !existsSync(owner)) await docker(['rm', '-f', id]);
  }
  return {
    registry: registry.host,
    imagesKey: basename(cached),
    env,
    docker,
    async stop() {
      const ids = (await docker(['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
      // Only what this test made: its containers are the ones created from its registry's images or named by it.
      for (const id of ids) {
        const image = (await docker(['inspect', '--format', '{{.Config.Image}} {{index .Config.Labels "synapse-upgrade-test"}}', id])).stdout;
        if (image.startsWith(registry.host) || image.includes(` ${dir}`)) await docker(['rm', '-f', id]);
      }
      const images = (await docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'])).stdout
        .split('\n')
        .filter((i) => i.startsWith(registry.host) || i.includes('synapse-upgrade-docker-test'));
      if (images.length) await docker(['rmi', '-f', ...images]);
      service.kill('SIGTERM');
      await service;
      await registry.stop();
    },
  };
}
