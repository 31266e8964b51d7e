import { coverageWithout, uncheckedNotes, UNCHECKED_LIMITS, type NotesCoverage } from '../core/notes/coverage.js';
import { capText, stripControls } from '../core/screen-text.js';
import type { SynapseVersion } from '../core/version.js';
import { readUpstreamUpgradeMd, type UpstreamOptions } from '../system/upstream-notes.js';

export interface CoverageOptions {
  /** false: do not ask the package index (the coverage still says what is not covered). */
  readIndex?: boolean;
  upstream?: Omit<UpstreamOptions, 'version'>;
}

const safe = (text: string): string => capText(stripControls(text).replace(/\s+/g, ' '), UNCHECKED_LIMITS.chars / 8);

/**
 * What the notes data covers of (from, to], and for the releases beyond it the target's own upgrade notes
 * from its sdist (read once, then cached), shown unchecked. Read-only.
 */
export async function notesCoverage(knownThrough: string, from: SynapseVersion, to: SynapseVersion, opts: CoverageOptions = {}): Promise<NotesCoverage> {
  const coverage = coverageWithout(knownThrough, from, to);
  if (!coverage.uncovered) return coverage;
  if (opts.readIndex === false) return { ...coverage, upstream: { status: 'unreadable', reason: 'the package index was not asked (--offline)' } };
  const read = await readUpstreamUpgradeMd({ ...opts.upstream, version: to.text });
  if (!read.ok) return { ...coverage, upstream: { status: 'unreadable', reason: safe(read.reason) } };
  return {
    ...coverage,
    upstream: { status: 'read', source: safe(read.source), unchecked: uncheckedNotes(read.text, coverage.uncovered.after, coverage.uncovered.to) },
  };
}
