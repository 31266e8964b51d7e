import semver from 'semver';

/**
 * Synapse versions as the wizard handles them: `X.Y.Z` or `X.Y.ZrcN` (PEP 440 style, as on PyPI),
 * compared through semver (`X.Y.Z-rc.N`). Inputs seen in the wild are understood:
 * `v1.47.0`, `1.47.0+bookworm1` (Debian), `1.157.0~rc1+bookworm1`, `1.47.0rc1`,
 * and the git suffix `1.47.0 (b=master,t=v1.47.0,abc123)`.
 */
export interface SynapseVersion {
  /** Normalised text: `1.47.0` or `1.47.0rc1`. */
  text: string;
  /** The semver form used for comparisons: `1.47.0` or `1.47.0-rc.1`. */
  semver: string;
  prerelease: boolean;
}

// Each number at most 9 digits (a 100,000-digit "version" is not one, and Number() of it is Infinity).
const PATTERN = /^v?(\d{1,9})\.(\d{1,9})(?:\.(\d{1,9}))?(?:[~.-]?(rc|a|b)\.?(\d{1,9}))?(?!\d)/i;
/** Longer text is not a version (the git suffix `1.47.0 (b=…,t=…,abc123)` stays well below). */
const MAX_VERSION_TEXT = 256;

export function parseVersion(input: string): SynapseVersion | undefined {
  if (input.length > MAX_VERSION_TEXT * 4) return undefined;
  const trimmed = input.trim();
  if (trimmed.length > MAX_VERSION_TEXT) return undefined;
  const match = PATTERN.exec(trimmed);
  if (!match) return undefined;
  const [, major, minor, patch = '0', tag, tagNumber] = match;
  const core = `${Number(major)}.${Number(minor)}.${Number(patch)}`;
  if (!tag) return { text: core, semver: core, prerelease: false };
  const kind = tag.toLowerCase();
  return { text: `${core}${kind}${Number(tagNumber)}`, semver: `${core}-${kind}.${Number(tagNumber)}`, prerelease: true };
}

export function mustParseVersion(input: string, what = 'version'): SynapseVersion {
  const version = parseVersion(input);
  if (!version) throw new RangeError(`"${input}" is not a Synapse ${what} (expected something like 1.47.0).`);
  return version;
}

export function compareVersions(a: string, b: string): number {
  return semver.compare(mustParseVersion(a).semver, mustParseVersion(b).semver);
}

export const sameVersion = (a: string, b: string): boolean => compareVersions(a, b) === 0;

/** True when `version` lies in the half-open range (from, to]. */
export function inRange(version: string, from: string, to: string): boolean {
  return compareVersions(version, from) > 0 && compareVersions(version, to) <= 0;
}

/** Newest first; unparsable strings are dropped. */
export function sortNewestFirst(versions: readonly string[]): string[] {
  return [...new Set(versions.map((v) => parseVersion(v)?.text).filter((v): v is string => v !== undefined))].sort((a, b) => compareVersions(b, a));
}

/** The versions nearest to a wanted one, for "unknown target" messages. */
export function nearestVersions(wanted: string, available: readonly string[], count = 3): string[] {
  const target = parseVersion(wanted);
  if (!target) return sortNewestFirst(available).slice(0, count);
  const distance = (v: string): number => {
    const [a = 0, b = 0, c = 0] = mustParseVersion(v)
      .text.split(/[.a-z]/)
      .map(Number);
    const [x = 0, y = 0, z = 0] = target.text.split(/[.a-z]/).map(Number);
    return Math.abs(a - x) * 1e6 + Math.abs(b - y) * 1e3 + Math.abs(c - z);
  };
  return sortNewestFirst(available)
    .sort((a, b) => distance(a) - distance(b))
    .slice(0, count);
}
