// Writes the table of docs/notes.md from steps/: notes by severity and by how the wizard decides them.
// Usage: node --import tsx scripts/notes-table.ts > docs/notes.md   (test/scripts/notes-table.test.ts keeps it true)
import type { Check, Note } from '../src/core/notes/types.js';
import { SEVERITIES } from '../src/core/notes/types.js';
import { loadReleaseData } from '../src/system/release-data.js';

export type Decided = 'config' | 'facts' | 'always' | 'judgement';
const FACT_KINDS = new Set(['platform', 'method', 'database', 'workers', 'restart']);

/** How a note is decided: a config/file/database check, only facts detection knows, always, or the admin's judgement. */
export function decidedBy(note: Note): Decided {
  if (note.always) return 'always';
  if (!note.checks) return 'judgement';
  const kinds: string[] = [];
  const walk = (c: Check): void => {
    if (c.kind === 'all' || c.kind === 'any') c.checks.forEach(walk);
    else if (c.kind === 'not') walk(c.check);
    else kinds.push(c.kind);
  };
  walk(note.checks);
  return kinds.every((k) => FACT_KINDS.has(k)) ? 'facts' : 'config';
}

const LABEL: Record<Decided, string> = {
  config: 'config check',
  facts: 'detected facts',
  always: 'always (within its concerns)',
  judgement: 'judgement',
};

export async function notesTable(): Promise<string> {
  const { notes } = await loadReleaseData();
  const kinds = Object.keys(LABEL) as Decided[];
  const rows = SEVERITIES.map((s) => {
    const of = notes.filter((n) => n.severity === s);
    const cells = kinds.map((k) => String(of.filter((n) => decidedBy(n) === k).length));
    const traced = of.filter((n) => n.source).length;
    return `| ${s} | ${cells.join(' | ')} | ${of.length} | ${traced} |`;
  });
  const total = kinds.map((k) => String(notes.filter((n) => decidedBy(n) === k).length));
  const lines = [
    '# Upgrade notes: severity and how each is decided',
    '',
    'Generated from `steps/` by `node --import tsx scripts/notes-table.ts > docs/notes.md`; a test keeps it in step.',
    '',
    '- **config check**: a check on the homeserver config, a file it names (log config, app service',
    '  registrations, worker configs) or a read-only database query;',
    '- **detected facts**: only what detection and the preflight probes know (Python/SQLite/PostgreSQL',
    '  versions, install method, database engine, workers, restart manager);',
    '- **always**: every server the note concerns must read it;',
    '- **judgement**: no check can decide it; the wizard asks the admin about it one by one.',
    '',
    '"traced" counts the notes whose `source:` names the Synapse code that reads their settings at that',
    'release; `effect:` (refuses-to-start, stops-working, loses-data, must-change, none) fixes the severity.',
    '',
    `| severity | ${kinds.map((k) => LABEL[k]).join(' | ')} | all | traced |`,
    `|---|${kinds.map(() => '---:').join('|')}|---:|---:|`,
    ...rows,
    `| all | ${total.join(' | ')} | ${notes.length} | ${notes.filter((n) => n.source).length} |`,
    '',
    '## Breaking notes',
    '',
    '| release | note | decided by | effect | source |',
    '|---|---|---|---|---|',
    ...notes
      .filter((n) => n.severity === 'breaking')
      .map((n) => `| ${n.version} | ${n.id} | ${LABEL[decidedBy(n)]} | ${n.effect ?? ''} | ${(n.source ?? []).map((s) => `\`${s}\``).join(', ')} |`),
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('notes-table.ts')) process.stdout.write(await notesTable());
