import semver from 'semver';
import { parseVersion } from './version.js';
import { noteStart } from './notes/select.js';
import type { LastUsable, PlatformFloor, RustMsrv } from './notes/validate-platform.js';

/** Platform floors per release (steps/platform.yaml), and what an old platform can still run. */
export const FLOOR_COMPONENTS = ['python', 'postgresql', 'sqlite'] as const;
export type FloorComponent = (typeof FLOOR_COMPONENTS)[number];

/** The rows of steps/platform.yaml, as notes/validate-platform.ts reads them. */
export type { LastUsable, PlatformFloor, RustMsrv } from './notes/validate-platform.js';

export interface PlatformData {
  floors: PlatformFloor[];
  lastUsable: LastUsable[];
  rust: RustMsrv[];
}

export type PlatformVersions = Partial<Record<FloorComponent, string>>;

/** Compares dotted numeric versions ("3.10.12" vs "3.7"); missing parts count as 0. */
export function compareDotted(a: string, b: string): number | undefined {
  const parse = (v: string): number[] | undefined => /^(\d+(?:\.\d+)*)/.exec(v.trim())?.[1]?.split('.').map(Number);
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return undefined;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** A row counts for `version` from the first release candidate of its `since` release on. */
const covers = (since: string, version: string): boolean => {
  const parsed = parseVersion(version);
  if (!parsed) throw new RangeError(`"${version}" is not a Synapse version`);
  return semver.lte(noteStart(since), parsed.semver);
};

export interface Floor {
  min: string;
  since: string;
  enforced: boolean;
}

/** The minimum Python/PostgreSQL/SQLite of a release; `since` is the release that introduced that floor. */
export function floorsFor(data: PlatformData, version: string): Partial<Record<FloorComponent, Floor>> {
  const out: Partial<Record<FloorComponent, Floor>> = {};
  for (const row of data.floors) {
    if (!covers(row.since, version)) continue;
    for (const c of FLOOR_COMPONENTS) {
      const min = row[c];
      const prev = out[c];
      if (min !== undefined && (prev?.min !== min || prev.enforced !== row.enforced)) out[c] = { min, since: row.since, enforced: row.enforced };
    }
  }
  return out;
}

/** Rust's minimum supported version for building `version` from source; undefined before Rust was needed (v1.68). */
export function rustMsrvFor(data: PlatformData, version: string): string | undefined {
  return data.rust.filter((row) => covers(row.since, version)).at(-1)?.msrv;
}

/** Human sentences for every floor of `version` the platform is below (enforced floors only unless `all`). */
export function platformProblems(data: PlatformData, version: string, platform: PlatformVersions, all = false): string[] {
  const floors = floorsFor(data, version);
  const problems: string[] = [];
  for (const c of FLOOR_COMPONENTS) {
    const floor = floors[c];
    const have = platform[c];
    if (!floor || have === undefined || (!floor.enforced && !all)) continue;
    if ((compareDotted(have, floor.min) ?? 0) < 0) problems.push(`${c} ${have} is below ${floor.min}, required from ${floor.since}`);
  }
  return problems;
}

export interface RunnableLimit {
  /** The newest release known to run on this platform (from the "last usable" facts). */
  last?: string;
  /** The first release that refuses this platform (from the enforced floors). */
  before?: string;
  reasons: string[];
}

/** How far this platform can go. An empty result (no last, no before) means no known limit. */
export function newestRunnableOn(data: PlatformData, platform: PlatformVersions): RunnableLimit {
  const reasons: string[] = [];
  let last: string | undefined;
  for (const row of data.lastUsable) {
    const have = platform[row.component];
    if (have === undefined || (compareDotted(have, row.below) ?? 0) >= 0) continue;
    reasons.push(`${row.component} ${have} is below ${row.below}: the last release for it is ${row.last}`);
    if (!last || semver.lt(row.last, last)) last = row.last;
  }
  let before: string | undefined;
  for (const row of data.floors) {
    if (!row.enforced) continue;
    const below = FLOOR_COMPONENTS.some(
      (c) => row[c] !== undefined && platform[c] !== undefined && (compareDotted(platform[c] as string, row[c] as string) ?? 0) < 0,
    );
    if (below && (!before || semver.lt(row.since, before))) before = row.since;
  }
  if (last && before && semver.gte(last, before)) last = undefined;
  return { ...(last ? { last } : {}), ...(before ? { before } : {}), reasons };
}
