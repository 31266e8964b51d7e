import semver from 'semver';
import { capText, stripControls } from '../screen-text.js';
import { parseVersion, type SynapseVersion } from '../version.js';
import { noteInRange } from './select.js';

/**
 * How far the notes data reaches. steps/ knows Synapse's notes up to one release (schema.yaml's
 * newest_release); a range that goes beyond it is only partly covered, and the rest must be said plainly:
 * which releases are not covered, where their notes are, and (when the index could be read) the target's own
 * docs/upgrade.md sections for them, shown unchecked. Pure.
 */

/** A section of the target's docs/upgrade.md for a release steps/ does not know: shown, never checked. */
export interface UncheckedNote {
  /** `X.Y.Z` of the section's "Upgrading to vX" heading. */
  version: string;
  heading: string;
  /** The section's text, control sequences stripped, capped in lines and length. */
  text: string;
  truncated: boolean;
}

export type UpstreamNotes =
  { status: 'not-needed' } | { status: 'read'; source: string; unchecked: UncheckedNote[] } | { status: 'unreadable'; reason: string };

export interface NotesCoverage {
  /** The newest release steps/ knows. */
  knownThrough: string;
  /** The releases in (after, to] that steps/ has no notes for; null when the whole range is covered. */
  uncovered: { after: string; to: string } | null;
  /** Where the notes of the uncovered releases can be read. */
  readAt: string[];
  upstream: UpstreamNotes;
}

/** Caps for text read from an sdist: it is outside text, so nothing unbounded reaches the screen or the journal. */
export const UNCHECKED_LIMITS = { sections: 40, lines: 120, chars: 8000, heading: 200 } as const;

export const UPGRADE_NOTES_URL = 'https://element-hq.github.io/synapse/latest/upgrade.html';

/** The part of (from, to] that lies beyond the newest release steps/ knows, or null. */
export function uncoveredRange(knownThrough: string, from: SynapseVersion, to: SynapseVersion): { after: string; to: string } | null {
  if (!semver.gt(to.semver, knownThrough)) return null;
  const after = semver.gt(from.semver, knownThrough) ? from.text : knownThrough;
  return { after, to: to.text };
}

/** Where an admin reads the notes of releases steps/ does not cover. */
export function notesWhere(to: string): string[] {
  return [
    UPGRADE_NOTES_URL,
    `https://github.com/element-hq/synapse/blob/v${to}/docs/upgrade.md (also docs/upgrade.md and CHANGES.md in the matrix-synapse ${to} sdist on PyPI)`,
  ];
}

export function coverageWithout(knownThrough: string, from: SynapseVersion, to: SynapseVersion): NotesCoverage {
  const uncovered = uncoveredRange(knownThrough, from, to);
  return { knownThrough, uncovered, readAt: uncovered ? notesWhere(to.text) : [], upstream: { status: 'not-needed' } };
}

const HEADING = /^#\s+Upgrading to v(\d+\.\d+(?:\.\d+)?)\s*$/;

/** Every "# Upgrading to vX" section of an upgrade.md, in file order, as raw text (heading line excluded). */
export function upgradeSections(markdown: string): { version: string; heading: string; body: string }[] {
  const out: { version: string; heading: string; lines: string[] }[] = [];
  let fence = false;
  for (const line of markdown.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const match = fence ? null : HEADING.exec(line);
    if (match) {
      const parts = (match[1] as string).split('.');
      while (parts.length < 3) parts.push('0');
      out.push({ version: parts.join('.'), heading: line.replace(/^#\s+/, '').trim(), lines: [] });
      continue;
    }
    if (!fence && /^#\s/.test(line)) {
      out.push({ version: '', heading: '', lines: [] });
      continue;
    }
    out.at(-1)?.lines.push(line);
  }
  return out.filter((s) => s.version).map((s) => ({ version: s.version, heading: s.heading, body: s.lines.join('\n') }));
}

/** Outside text made safe and bounded: controls stripped, at most `lines` lines and `chars` characters. */
function boundText(body: string): { text: string; truncated: boolean } {
  const lines = stripControls(body).replace(/\t/g, '    ').split('\n');
  while (lines.length && !lines[0]?.trim()) lines.shift();
  while (lines.length && !lines.at(-1)?.trim()) lines.pop();
  let truncated = lines.length > UNCHECKED_LIMITS.lines;
  let text = lines.slice(0, UNCHECKED_LIMITS.lines).join('\n');
  if (text.length > UNCHECKED_LIMITS.chars) {
    text = capText(text, UNCHECKED_LIMITS.chars);
    truncated = true;
  }
  return { text, truncated };
}

/** The sections of `markdown` for releases in (after, to], oldest first, made safe and bounded. */
export function uncheckedNotes(markdown: string, after: string, to: string): UncheckedNote[] {
  const from = parseVersion(after);
  const upto = parseVersion(to);
  if (!from || !upto) return [];
  const picked = upgradeSections(markdown)
    .filter((s) => noteInRange(s.version, from, upto))
    .sort((a, b) => semver.compare(a.version, b.version))
    .slice(0, UNCHECKED_LIMITS.sections);
  return picked.map((s) => ({ version: s.version, heading: capText(stripControls(s.heading), UNCHECKED_LIMITS.heading), ...boundText(s.body) }));
}

/** Plain lines saying what is not covered, for the notes command, the plain renderer and the plan script. */
export function coverageLines(coverage: CoverageReport): string[] {
  const { uncovered, upstream, unchecked } = coverage;
  if (!uncovered) return [];
  const lines = [
    `NOT COVERED: the notes data of this tool stops at ${coverage.knownThrough}; releases after ${uncovered.after} up to ${uncovered.to} were not checked against this server.`,
    ...coverage.readAt.map((w) => `  Their notes: ${w}`),
  ];
  if (upstream.status === 'unreadable') lines.push(`  The upgrade notes of ${uncovered.to} could not be read from the package index: ${upstream.reason}`);
  if (upstream.status === 'read') {
    lines.push(
      unchecked.length
        ? `  From ${upstream.source}: ${unchecked.length} section(s) for those releases, shown UNCHECKED (nobody checked them against this server):`
        : `  ${upstream.source} has no "Upgrading to" section for releases after ${uncovered.after}; CHANGES.md may still list changes.`,
    );
  }
  return lines;
}

/** One unchecked note as indented text. */
export function uncheckedLines(note: UncheckedNote, indent = '    '): string[] {
  return [
    `  [unchecked] ${note.version}  ${note.heading}`,
    ...note.text.split('\n').map((l) => `${indent}${l}`.trimEnd()),
    ...(note.truncated ? [`${indent}(cut short here; read the rest in the upgrade notes)`] : []),
  ];
}

/** The `coverage` field of `notes --json` and of the wizard's `notes.coverage` event (docs/json-events.md). */
export interface CoverageReport {
  knownThrough: string;
  complete: boolean;
  uncovered: { after: string; to: string } | null;
  readAt: string[];
  upstream: { status: 'not-needed' } | { status: 'read'; source: string } | { status: 'unreadable'; reason: string };
  unchecked: UncheckedNote[];
}

export function coverageJson(coverage: NotesCoverage): CoverageReport {
  const { upstream } = coverage;
  return {
    knownThrough: coverage.knownThrough,
    complete: coverage.uncovered === null,
    uncovered: coverage.uncovered,
    readAt: coverage.readAt,
    upstream:
      upstream.status === 'read'
        ? { status: 'read', source: upstream.source }
        : upstream.status === 'unreadable'
          ? { status: 'unreadable', reason: upstream.reason }
          : { status: 'not-needed' },
    unchecked: upstream.status === 'read' ? upstream.unchecked : [],
  };
}
