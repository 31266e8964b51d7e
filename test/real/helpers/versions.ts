// Which real Synapse releases the tier uses: test/real/versions.json, plus the newest release as the
// package index lists it today (so the suite follows new releases). Pure functions over the index's list,
// and one read-only query of the index through pip with the machine's own pip settings.
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import semver from 'semver';

export interface VersionsFile {
  fallback_newest: string;
  fallback_releases: string[];
  /** `extra`: the pins apply only to a venv with that pip extra (txredisapi for [redis]). */
  constraints: { below: string; extra?: string; pins: string[]; why: string }[];
  extra_packages: string[];
  scenarios: Record<string, { from: string; to: string; why: string }>;
}

export const VERSIONS: VersionsFile = JSON.parse(readFileSync(new URL('../versions.json', import.meta.url), 'utf8'));

/** The python the tier makes venvs with (the machine's, 3.11 on Debian bookworm and in CI). */
export const PYTHON = process.env.SYNAPSE_UPGRADE_TEST_PYTHON ?? 'python3';

/** Releases only (no rc/dev), newest first. */
export function releasesOnly(list: string[]): string[] {
  return list.filter((v) => semver.valid(v) && !semver.prerelease(v)).sort(semver.rcompare);
}

/** The newest release of the minor `minorsBack` minors below the newest one (1.163.2, 2 → newest 1.161.x). */
export function minorsBack(releases: string[], back: number): string {
  const sorted = releasesOnly(releases);
  const newest = sorted[0];
  if (!newest) throw new Error('the index lists no release of matrix-synapse');
  const wanted = semver.minor(newest) - back;
  const hit = sorted.find((v) => semver.major(v) === semver.major(newest) && semver.minor(v) === wanted);
  if (!hit) throw new Error(`the index lists no release of ${semver.major(newest)}.${wanted}`);
  return hit;
}

/**
 * Resolves a version word of versions.json against the index's list: "newest", "newest-N-minors", or a
 * version as written.
 */
export function resolveVersion(word: string, releases: string[]): string {
  if (word === 'newest') return releasesOnly(releases)[0] ?? VERSIONS.fallback_newest;
  const back = /^newest-(\d+)-minors$/.exec(word);
  if (back) return minorsBack(releases, Number(back[1]));
  if (!semver.valid(word)) throw new Error(`versions.json: "${word}" is neither a version nor a known word`);
  return word;
}

/** pip requirement pins that keep an old release working on today's dependencies (with these pip extras). */
export function constraintsFor(version: string, extras: readonly string[] = []): string[] {
  return VERSIONS.constraints.filter((c) => semver.lt(version, c.below) && (!c.extra || extras.includes(c.extra))).flatMap((c) => c.pins);
}

export type IndexAnswer = { ok: true; releases: string[] } | { ok: false; why: string };

let cached: Promise<IndexAnswer> | undefined;

/** The releases of matrix-synapse the package index lists (pip index versions, the machine's pip settings). */
export function indexReleases(): Promise<IndexAnswer> {
  cached ??= (async (): Promise<IndexAnswer> => {
    const run = await execa(PYTHON, ['-m', 'pip', 'index', 'versions', 'matrix-synapse', '--disable-pip-version-check'], {
      reject: false,
      timeout: 120_000,
    });
    const line = /Available versions: (.+)/.exec(String(run.stdout))?.[1];
    if (run.exitCode !== 0 || !line) {
      const tail = String(run.stderr)
        .split('\n')
        .filter((l) => l && !/is ignored|experimental/.test(l))
        .slice(-2)
        .join(' ');
      return { ok: false, why: `the package index could not be asked for matrix-synapse (pip index versions: exit ${run.exitCode}; ${tail || 'no answer'})` };
    }
    return { ok: true, releases: releasesOnly(line.split(',').map((v) => v.trim())) };
  })();
  return cached;
}
