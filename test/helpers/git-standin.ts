import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { createStandinInstall, standinSourceDir, type StandinInstall } from '../../src/demo/standin.js';
import { pipEnv } from '../../src/demo/standin-util.js';

const GIT_FIXTURE = fileURLToPath(new URL('../fixtures/git-synapse/', import.meta.url));

/** (SCHEMA_VERSION, SCHEMA_COMPAT_VERSION) per stand-in release laid out as a tag (steps/schema.yaml). */
export const RELEASES: Record<string, [number, number, string[]]> = {
  '1.46.0': [65, 60, []],
  '1.47.0': [65, 60, []],
  '1.48.0': [65, 61, ['trust_identity_server_for_password_resets']],
  '1.68.0': [73, 72, ['trust_identity_server_for_password_resets']],
};

/** git with a fixed identity and no user or system config (the host's git settings stay out). */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const env = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Stand-in',
    GIT_AUTHOR_EMAIL: 'standin@example.test',
    GIT_COMMITTER_NAME: 'Stand-in',
    GIT_COMMITTER_EMAIL: 'standin@example.test',
    GIT_AUTHOR_DATE: '2021-11-01T00:00:00Z',
    GIT_COMMITTER_DATE: '2021-11-01T00:00:00Z',
  };
  const result = await execa('git', args, { cwd, env, reject: false, all: true });
  if (result.exitCode !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}:\n${result.all}`);
  return String(result.stdout).trim();
}

/** A bare "upstream" repository and the work tree that commits one stand-in release per tag into it. */
export interface SynapseUpstream {
  upstream: string;
  work: string;
  /** Commits the tree for `version` on master, tags it `v<version>` and pushes both. */
  release(version: string): Promise<void>;
}

export async function createUpstream(root: string): Promise<SynapseUpstream> {
  const upstream = join(root, 'upstream.git');
  const work = join(root, 'upstream-work');
  await mkdir(work, { recursive: true });
  await git(root, 'init', '-q', '--bare', '-b', 'master', upstream);
  await git(work, 'init', '-q', '-b', 'master');
  await git(work, 'remote', 'add', 'origin', upstream);
  await cp(join(standinSourceDir(), 'synapse'), join(work, 'synapse'), { recursive: true, filter: (src) => !src.includes('__pycache__') });
  await cp(join(standinSourceDir(), 'build_wheels.py'), join(work, 'build_wheels.py'));
  await cp(join(GIT_FIXTURE, 'standin_backend.py'), join(work, 'standin_backend.py'));
  await cp(join(GIT_FIXTURE, 'pyproject.toml'), join(work, 'pyproject.toml'));
  await writeFile(join(work, '.gitignore'), '__pycache__/\n');
  return {
    upstream,
    work,
    async release(version) {
      const facts = RELEASES[version];
      if (!facts) throw new Error(`no stand-in release facts for ${version}`);
      const [schema, compat, removed] = facts;
      await writeFile(
        join(work, 'synapse', '_release.py'),
        `"""The facts of this stand-in release (committed per tag)."""\nVERSION = '${version}'\nSCHEMA_VERSION = ${schema}\nSCHEMA_COMPAT_VERSION = ${compat}\nREMOVED_CONFIG_KEYS = ${JSON.stringify(removed)}\n`,
      );
      await git(work, 'add', '-A');
      await git(work, 'commit', '-q', '-m', `Synapse ${version}`);
      await git(work, 'tag', '-a', `v${version}`, '-m', `v${version}`);
      await git(work, 'push', '-q', 'origin', 'master', `v${version}`);
    },
  };
}

export interface GitStandin extends StandinInstall {
  checkout: string;
  upstream: SynapseUpstream;
  /** `git describe --tags` in the checkout. */
  describe(): Promise<string>;
}

/**
 * A checkout of the upstream at `v<version>` (detached, as the install docs leave it) with `env/`
 * inside it, the stand-in config next to it (untracked), and matrix-synapse installed either from
 * the checkout (`pip install .`, the git layout) or from the wheelhouse (a pip install that merely
 * sits in a checkout: the ambiguous layout).
 */
export async function createGitStandin(opts: {
  root: string;
  port: number;
  version: string;
  /** Tags pushed to the upstream after the clone (the checkout has to fetch them). */
  later?: string[];
  installFrom?: 'checkout' | 'index';
  migrationSeconds?: number;
}): Promise<GitStandin> {
  const upstream = await createUpstream(opts.root);
  await upstream.release(opts.version);
  const checkout = join(opts.root, 'synapse');
  await git(opts.root, 'clone', '-q', upstream.upstream, checkout);
  await git(checkout, '-c', 'advice.detachedHead=false', 'checkout', '-q', `v${opts.version}`);
  for (const v of opts.later ?? []) await upstream.release(v);
  const hs = await createStandinInstall({
    root: checkout,
    version: opts.version,
    port: opts.port,
    ...(opts.migrationSeconds ? { migrationSeconds: opts.migrationSeconds } : {}),
  });
  if ((opts.installFrom ?? 'checkout') === 'checkout') {
    const result = await execa(hs.bin('pip'), ['install', '-q', '--force-reinstall', '--no-deps', '.'], {
      cwd: checkout,
      env: { ...pipEnv(), PIP_NO_INDEX: '1' },
      extendEnv: false,
      reject: false,
      all: true,
    });
    if (result.exitCode !== 0) throw new Error(`pip install . failed:\n${result.all}`);
  }
  return { ...hs, checkout, upstream, describe: () => git(checkout, 'describe', '--tags') };
}
