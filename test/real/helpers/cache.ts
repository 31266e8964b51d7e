// The tier's cache, shared by runs and clones: $SYNAPSE_UPGRADE_TEST_CACHE, else ~/.cache/synapse-upgrade-test.
//   pip/                 pip's own cache (PIP_CACHE_DIR) for every pip the tier and the wizard run
//   wheels/<key>/        a wheelhouse: matrix-synapse[extras]==<version> and its dependencies (pip download, or
//                        pip wheel when an extra needs a build: psycopg2 is published as source only)
//   venvs/<key>/         a finished venv, cloned into each test
// <key> is the version and a hash of what else decides the content (python, constraints, extras, extra packages).
// Each entry is built in a temp folder and renamed into place, under a lock, so concurrent tests and an
// interrupted run never see half an entry. The first run downloads; later runs copy (seconds).
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, open, readFile, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PYTHON, VERSIONS, constraintsFor } from './versions.js';

export function cacheRoot(): string {
  return process.env.SYNAPSE_UPGRADE_TEST_CACHE || join(homedir(), '.cache', 'synapse-upgrade-test');
}

/** The environment for pip (and the wizard's pip): the machine's settings, with pip's cache in the tier's cache. */
export function pipEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && key !== 'CI') env[key] = value;
  return { ...env, PIP_CACHE_DIR: join(cacheRoot(), 'pip') };
}

const quiet = (text: string) =>
  text
    .split('\n')
    .filter((l) => l && !/is ignored: it is neither a file nor a directory/.test(l))
    .join('\n');

export async function lockedBuild(target: string, build: (tmp: string) => Promise<void>): Promise<string> {
  if (existsSync(join(target, '.complete'))) return target;
  const lock = `${target}.lock`;
  await mkdir(join(target, '..'), { recursive: true });
  for (;;) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch {
      const holder = Number(await readFile(lock, 'utf8').catch(() => '0'));
      const alive =
        holder > 0 &&
        (() => {
          try {
            process.kill(holder, 0);
            return true;
          } catch {
            return false;
          }
        })();
      const old = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs > 30 * 60_000,
        () => false,
      );
      if (!alive || old) await rm(lock, { force: true });
      else await new Promise((r) => setTimeout(r, 500));
      if (existsSync(join(target, '.complete'))) return target;
    }
  }
  try {
    if (existsSync(join(target, '.complete'))) return target;
    const tmp = `${target}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    await build(tmp);
    await writeFile(join(tmp, '.complete'), new Date().toISOString());
    await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
    return target;
  } finally {
    await rm(lock, { force: true });
  }
}

async function constraintsFile(dir: string, version: string, extras: readonly string[] = []): Promise<string[]> {
  const pins = constraintsFor(version, extras);
  if (pins.length === 0) return [];
  const file = join(dir, '.constraints.txt');
  await writeFile(file, pins.join('\n') + '\n');
  return ['-c', file];
}

/** `matrix-synapse[postgres,redis]==1.98.0`, as an admin installs it. */
export const synapseRequirement = (version: string, extras: readonly string[] = []): string =>
  `matrix-synapse${extras.length ? `[${extras.join(',')}]` : ''}==${version}`;

/** Distributions that an extra pulls in and PyPI publishes as source only (built once into the wheelhouse). */
const SOURCE_ONLY: Record<string, string[]> = { postgres: ['psycopg2'] };

/**
 * matrix-synapse[extras]==version, its dependencies and the extra packages into the cache (once): pip
 * download of wheels, or pip wheel when an extra needs a source-only package built (psycopg2 for [postgres],
 * with pg_config from libpq-dev, as an admin's `pip install matrix-synapse[postgres]` builds it).
 */
export function ensureWheelhouse(version: string, extras: readonly string[] = []): Promise<string> {
  return lockedBuild(join(cacheRoot(), 'wheels', venvKey(version, extras)), async (tmp) => {
    const c = await constraintsFile(tmp, version, extras);
    const build = extras.flatMap((e) => SOURCE_ONLY[e] ?? []);
    const how = build.length
      ? ['wheel', '--only-binary=:all:', ...build.map((b) => `--no-binary=${b}`), '-w', tmp]
      : ['download', '--only-binary=:all:', '-d', tmp];
    const run = await execa(
      PYTHON,
      ['-m', 'pip', ...how, '--disable-pip-version-check', ...c, synapseRequirement(version, extras), ...VERSIONS.extra_packages],
      {
        env: pipEnv(),
        extendEnv: false,
        reject: false,
        timeout: 20 * 60_000,
      },
    );
    if (run.exitCode !== 0)
      throw new Error(`pip ${how[0]} of ${synapseRequirement(version, extras)} failed (exit ${run.exitCode}):\n${quiet(String(run.stderr)).slice(-2000)}`);
  });
}

function venvKey(version: string, extras: readonly string[] = []): string {
  // Without extras the hash input is what it was before extras existed, so existing caches stay valid.
  const parts: unknown[] = [PYTHON, constraintsFor(version, extras), VERSIONS.extra_packages, ...(extras.length ? [[...extras].sort()] : [])];
  const hash = createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 10);
  return `${version}-${hash}`;
}

/** A finished venv with matrix-synapse[extras]==version, installed by pip from the cached wheelhouse (once). */
export async function ensureVenvTemplate(version: string, extras: readonly string[] = []): Promise<string> {
  const wheels = await ensureWheelhouse(version, extras);
  return lockedBuild(join(cacheRoot(), 'venvs', venvKey(version, extras)), async (tmp) => {
    await execa(PYTHON, ['-m', 'venv', tmp]);
    const c = await constraintsFile(tmp, version, extras);
    const run = await execa(
      join(tmp, 'bin', 'pip'),
      ['install', '--disable-pip-version-check', '--no-index', '--find-links', wheels, ...c, synapseRequirement(version, extras), ...VERSIONS.extra_packages],
      {
        env: pipEnv(),
        extendEnv: false,
        reject: false,
        timeout: 20 * 60_000,
      },
    );
    if (run.exitCode !== 0)
      throw new Error(
        `pip install of ${synapseRequirement(version, extras)} into a venv failed (exit ${run.exitCode}):\n${quiet(String(run.stderr)).slice(-2000)}`,
      );
    await writeFile(join(tmp, '.built-at'), tmp);
  });
}

/**
 * A venv at `dest` with matrix-synapse==version: the cached one, hard-linked file by file (a 200 MB venv in a
 * second), with its scripts (shebangs, activate) and pyvenv.cfg rewritten as new files naming `dest`, which is
 * all a venv records of its own path. Hard links are safe here because pip and Python never write into an
 * installed file: pip removes (renames away) an old version's files and writes new ones, and Python replaces
 * its .pyc files atomically. A linked copy across file systems falls back to a plain copy.
 */
export async function cloneVenv(version: string, dest: string, extras: readonly string[] = []): Promise<string> {
  const template = await ensureVenvTemplate(version, extras);
  const builtAt = (await readFile(join(template, '.built-at'), 'utf8')).trim();
  const linked = await execa('cp', ['-al', template, dest], { reject: false });
  if (linked.exitCode !== 0) {
    await rm(dest, { recursive: true, force: true });
    await execa('cp', ['-a', template, dest]);
  }
  for (const name of ['.complete', '.built-at', '.constraints.txt']) await rm(join(dest, name), { force: true });
  const rewrite = async (file: string) => {
    const info = await lstat(file).catch(() => undefined);
    if (!info?.isFile() || info.size > 1_000_000) return;
    const text = await readFile(file, 'latin1');
    if (!text.includes(builtAt)) return;
    await unlink(file); // a new file, not the template's inode
    await writeFile(file, text.split(builtAt).join(dest), { encoding: 'latin1', mode: info.mode & 0o7777 });
  };
  for (const name of await readdir(join(dest, 'bin'))) await rewrite(join(dest, 'bin', name));
  await rewrite(join(dest, 'pyvenv.cfg'));
  return dest;
}
