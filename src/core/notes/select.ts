import semver from 'semver';
import { parseVersion, type SynapseVersion } from '../version.js';
import type { Note } from './types.js';

/**
 * Range arithmetic for notes. A note belongs to a final release X.Y.Z, but its change already ships in
 * the release candidates of X.Y.Z: so the note counts from the earliest pre-release of X.Y.Z on.
 *   - going to 1.47.0rc1 includes the 1.47.0 notes;
 *   - coming from 1.47.0rc1 (already running the change) excludes them;
 *   - from == to selects nothing.
 * Inputs may be `v1.47.0`, `1.47.0+bookworm1`, `1.47.0~rc1+bookworm1`, `1.47.0rc1`, `1.47.0 (b=…,t=…,sha)`.
 */
export function noteStart(version: string): string {
  const parsed = parseVersion(version);
  if (!parsed) throw new RangeError(`"${version}" is not a Synapse version`);
  const core = semver.coerce(parsed.semver)?.version ?? parsed.semver;
  return `${core}-0`;
}

/** True when a note of release `version` lies in the half-open range (from, to]. */
export function noteInRange(version: string, from: SynapseVersion, to: SynapseVersion): boolean {
  const start = noteStart(version);
  return semver.gt(start, from.semver) && semver.lte(start, to.semver);
}

export type RangeInput = { ok: true; from: SynapseVersion; to: SynapseVersion } | { ok: false; reason: string };

/** Checks the --from/--to pair: both versions, from not above to. Equal versions are a valid, empty range. */
export function readRange(fromInput: string, toInput: string): RangeInput {
  const from = parseVersion(fromInput);
  if (!from) return { ok: false, reason: `--from "${fromInput}" is not a Synapse version (expected something like 1.47.0).` };
  const to = parseVersion(toInput);
  if (!to) return { ok: false, reason: `--to "${toInput}" is not a Synapse version (expected something like 1.47.0).` };
  if (semver.gt(from.semver, to.semver)) {
    return { ok: false, reason: `--from ${from.text} is above --to ${to.text}: notes are listed for upgrades only.` };
  }
  return { ok: true, from, to };
}

/** The notes of every release in (from, to], oldest release first, file order kept within a release. */
export function selectNotes(notes: readonly Note[], from: SynapseVersion, to: SynapseVersion): Note[] {
  return notes
    .map((note, index) => ({ note, index }))
    .filter(({ note }) => noteInRange(note.version, from, to))
    .sort((a, b) => semver.compare(a.note.version, b.note.version) || a.index - b.index)
    .map(({ note }) => note);
}
