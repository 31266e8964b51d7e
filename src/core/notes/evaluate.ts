import semver from 'semver';
import { combine, evaluateCheck, type Verdict } from './evaluate-check.js';
import { SEVERITIES, type Applies, type Check, type Note, type NoteFacts, type NoteResult } from './types.js';

/** Config keys that mean "this server loads modules or legacy plugins" (the `concerns.modules` gate). */
const MODULE_KEYS = ['modules', 'spam_checker', 'third_party_event_rules', 'password_providers', 'media_storage_providers'];

/** The checks implied by a note's `concerns`: a server the note does not concern gets `no`. */
export function concernChecks(note: Note): Check[] {
  const gates: Check[] = [];
  const { methods, database, workers, modules, restart } = note.concerns;
  if (methods) gates.push({ kind: 'method', methods });
  if (restart) gates.push({ kind: 'restart', managers: restart });
  if (database) gates.push({ kind: 'database', engines: database });
  if (workers !== undefined) gates.push({ kind: 'workers', value: workers });
  if (modules) {
    gates.push({ kind: 'any', checks: MODULE_KEYS.map((key): Check => ({ kind: 'key', scope: 'config', key, test: { op: 'truthy' } })) });
  }
  return gates;
}

/**
 * Whether one note applies. The rule:
 *   1. every `concerns` entry is a gate (install method, database engine, workers, modules);
 *   2. then `checks` decide; a note without checks applies only if it says `applies: always`
 *      (every server its concerns cover must read it), otherwise it is `unknown`;
 *   3. all of it combines in three-valued logic: any `no` gives no; else any `unknown` gives unknown.
 * A fact that is missing (config unreadable, platform not probed, query not run) is `unknown`, never `no`.
 */
export function evaluateNote(note: Note, facts: NoteFacts): Verdict {
  const parts = concernChecks(note).map((check) => evaluateCheck(check, facts));
  if (note.checks) parts.push(evaluateCheck(note.checks, facts));
  else if (!note.always) parts.push({ value: 'unknown', findings: [], reasons: ['no check can decide this note; read it and judge'] });
  return combine('all', parts);
}

const APPLIES_ORDER: Record<Applies, number> = { yes: 0, unknown: 1, no: 2 };

/** Every note with its verdict and evidence: applies yes first, then unknown, then no; breaking > action > info; then oldest release first. */
export function evaluateNotes(notes: readonly Note[], facts: NoteFacts): NoteResult[] {
  const results = notes.map((note, index) => {
    const outcome = evaluateNote(note, facts);
    const findings = [...outcome.findings, ...outcome.reasons.map((reason) => ({ file: null, line: null, message: `not checked: ${reason}` }))];
    const result: NoteResult = { version: note.version, id: note.id, title: note.title, severity: note.severity, applies: outcome.value, findings };
    return { result, index };
  });
  results.sort(
    (a, b) =>
      APPLIES_ORDER[a.result.applies] - APPLIES_ORDER[b.result.applies] ||
      SEVERITIES.indexOf(a.result.severity) - SEVERITIES.indexOf(b.result.severity) ||
      semver.compare(a.result.version, b.result.version) ||
      a.index - b.index,
  );
  return results.map(({ result }) => result);
}

/** The query ids the notes' checks name: the queries worth running for this range. */
export function queryIdsOf(notes: readonly Note[]): string[] {
  const ids = new Set<string>();
  const walk = (check: Check): void => {
    if (check.kind === 'query') ids.add(check.id);
    else if (check.kind === 'all' || check.kind === 'any') check.checks.forEach(walk);
    else if (check.kind === 'not') walk(check.check);
  };
  for (const note of notes) if (note.checks) walk(note.checks);
  return [...ids].sort();
}
