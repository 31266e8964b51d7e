import { SEVERITIES, type Finding, type Note, type NoteResult } from './types.js';

/** The documented `notes --json` object. Key order is fixed so the output is stable. */
export interface NotesJson {
  from: string;
  to: string;
  notes: NoteResult[];
}

export function notesJson(from: string, to: string, results: readonly NoteResult[]): NotesJson {
  return {
    from,
    to,
    notes: results.map((r) => ({
      version: r.version,
      id: r.id,
      title: r.title,
      severity: r.severity,
      applies: r.applies,
      findings: r.findings.map((f) => ({ file: f.file, line: f.line, message: f.message })),
    })),
  };
}

const where = (f: Finding): string => (f.file === null ? '' : f.line === null ? `${f.file}: ` : `${f.file}:${f.line}: `);

const HEADINGS = { breaking: 'BREAKING', action: 'ACTION NEEDED', info: 'FOR INFORMATION' } as const;
const LABEL = { yes: 'applies', unknown: 'unknown', no: 'no     ' } as const;

/**
 * Text for `notes`: grouped by severity (breaking, action, info); inside a group the notes that apply come
 * first, then unknown, then those that do not; notes that do not apply get one line each, with the first piece of evidence.
 */
export function renderNotesText(from: string, to: string, results: readonly NoteResult[], notes: ReadonlyMap<string, Note>): string[] {
  const count = (a: NoteResult['applies']): number => results.filter((r) => r.applies === a).length;
  const lines = [
    `Upgrade notes from ${from} to ${to}: ${results.length} note(s) in (${from}, ${to}]; ` +
      `${count('yes')} apply, ${count('unknown')} unknown, ${count('no')} do not apply.`,
  ];
  if (results.length === 0) lines.push('Nothing to read for this range.');
  for (const severity of SEVERITIES) {
    const group = results.filter((r) => r.severity === severity);
    if (group.length === 0) continue;
    lines.push('', `${HEADINGS[severity]} (${group.length})`);
    for (const result of group) {
      const why = result.applies === 'no' && result.findings[0] ? `: ${where(result.findings[0])}${result.findings[0].message}` : '';
      lines.push(`  [${LABEL[result.applies]}] ${result.version}  ${result.title}  (${result.id})${why}`);
      if (result.applies === 'no') continue;
      const note = notes.get(result.id);
      if (note) lines.push(`      ${note.summary}`);
      for (const finding of result.findings) lines.push(`      - ${where(finding)}${finding.message}`);
      if (note) lines.push(`      To do: ${note.action}`);
    }
  }
  return lines;
}
