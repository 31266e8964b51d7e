import { AdminError, ExitCode } from '../../core/errors.js';
import { coverageJson, type CoverageReport } from '../../core/notes/coverage.js';
import { evaluateNotes, queryIdsOf } from '../../core/notes/evaluate.js';
import { selectNotes } from '../../core/notes/select.js';
import type { Note, NoteResult } from '../../core/notes/types.js';
import { rollbackFloorAfter } from '../../core/schema-facts.js';
import { mustParseVersion } from '../../core/version.js';
import { gatherNoteFacts } from '../../system/note-facts.js';
import type { FlowStep, SessionContext } from '../context.js';
import { describeStep } from '../../core/steps.js';
import { notesCoverage } from '../notes-coverage.js';
import { acknowledgeUnchecked } from '../unchecked-notes.js';
import { fixedNotes, offerConfigFixes, serverFixFiles } from '../config-fixes.js';
import { planFixes } from '../../core/fixes/plan-fixes.js';
import type { ServerPicture } from '../inspect.js';
import { serverNoteContext } from '../note-context.js';
import { hostViewOf } from '../../methods/registry.js';
import { realSystem, systemOf, type SystemHelpers } from '../system-helpers.js';

export interface NotesReview {
  results: NoteResult[];
  acknowledged: string[];
  /** The oldest release the database can go back to after the upgrade without the backup. */
  rollbackFloor: string | undefined;
}

const needsAck = (r: NoteResult): boolean => r.applies === 'yes' && (r.severity === 'breaking' || r.severity === 'action');
/** A note no check can decide (no checks, not `applies: always`): the admin judges it, one by one. */
export const needsJudgement = (r: NoteResult, note: Note | undefined): boolean => r.applies === 'unknown' && note !== undefined && !note.checks && !note.always;
const where = (r: NoteResult): string[] =>
  r.findings.map((f) => `${f.file ? `${f.file}${f.line ? `:${f.line}` : ''}: ` : ''}${f.message}`);

/**
 * Step 3: the notes of every release in (installed, target], checked against this server.
 * Applicable `action` and `breaking` notes, and notes that need the admin's judgement, are acknowledged
 * one by one before anything changes.
 */
export interface ServerNotes {
  results: NoteResult[];
  notes: Map<string, Note>;
  warnings: string[];
  rollbackFloor: string | undefined;
  /** What steps/ covers of the range; beyond it, the target's own notes, unchecked. */
  coverage: CoverageReport;
}

/** The notes of every release in (installed, target], evaluated against this server. Read-only. */
export async function evaluateServerNotes(picture: ServerPicture, target: string, system: SystemHelpers = realSystem): Promise<ServerNotes> {
  const data = await system.releaseData();
  const from = mustParseVersion(picture.install.installedVersion);
  const to = mustParseVersion(target);
  const selected = selectNotes(data.notes, from, to);
  const wanted = new Set(queryIdsOf(selected));
  const host = hostViewOf(picture.install);
  const db = system.database.info(picture);
  const known = await serverNoteContext(picture, system);
  const { facts, warnings } = await gatherNoteFacts({
    config: picture.config,
    installMethod: picture.install.method,
    hostPath: (path: string) => host.path(path),
    platform: known.platform,
    platformSources: known.platformSources,
    workers: known.workers,
    workerConfigPaths: picture.install.workers.flatMap((w) => (w.configPath ? [w.configPath] : [])),
    workersWithoutConfig: picture.install.workers.filter((w) => !w.configPath),
    ...(picture.install.startDir ? { workingDir: picture.install.startDir } : {}),
    restart: known.restart,
    ...('error' in db ? {} : { database: db.ro }),
    queries: data.queries.filter((q) => wanted.has(q.id)),
  });
  return {
    results: evaluateNotes(selected, facts),
    notes: new Map(selected.map((n) => [n.id, n])),
    warnings: [...known.warnings, ...warnings],
    rollbackFloor: rollbackFloorAfter(data.schema, target),
    coverage: coverageJson(await notesCoverage(data.schema.newestRelease, from, to)),
  };
}

export async function reviewNotes(ctx: SessionContext): Promise<NotesReview> {
  const { opts, deps, tracker, picture } = ctx;
  const target = ctx.decision.target;
  await tracker.start('notes');
  const { results, notes, warnings, rollbackFloor: floor, coverage } = await evaluateServerNotes(picture, target, systemOf(ctx));
  for (const warning of warnings) deps.emit({ type: 'message', level: 'warn', text: warning });
  deps.emit({ type: 'notes.coverage', coverage });
  for (const r of results.filter((x) => x.applies !== 'no')) {
    deps.emit({ type: 'note', note: { ...r, action: notes.get(r.id)?.action.trim() ?? '' } });
  }
  const accepted = new Set(opts.acceptNotes ?? []);
  // Under --yes --apply-fixes, a note whose fix will be made is dealt with by that fix.
  if (opts.yes && opts.applyFixes) {
    const fixable = results.filter((r) => r.applies === 'yes').map((r) => notes.get(r.id)).filter((n): n is Note => !!n?.fixes?.length);
    const plan = fixable.length ? planFixes(fixable, await serverFixFiles(picture).catch(() => [])) : undefined;
    for (const id of plan ? fixedNotes(plan) : []) accepted.add(id);
  }
  const acknowledged: string[] = [];
  const asked = [...results.filter(needsAck), ...results.filter((r) => needsJudgement(r, notes.get(r.id)))];
  // Under --yes every breaking note not accepted refuses: all of them are named (the result's notesRefused).
  const refusing = opts.yes && !opts.acceptAllNotes ? asked.filter((r) => r.severity === 'breaking' && !accepted.has(r.id)).map((r) => r.id) : [];
  for (const r of asked) {
    const judge = r.applies === 'unknown';
    if (opts.acceptAllNotes || accepted.has(r.id)) {
      acknowledged.push(r.id);
      continue;
    }
    if (opts.yes && r.severity === 'breaking') {
      const how = judge ? 'may apply to this server (no check can decide it)' : `applies to this server${r.findings[0] ? ` (${where(r)[0]})` : ''}`;
      const others = refusing.filter((id) => id !== r.id);
      throw new AdminError(`Refused by a note: "${r.title}" (${r.id}, v${r.version}) is breaking and ${how}.${others.length ? ` Also refused: ${others.join(', ')}.` : ''}`, {
        exitCode: ExitCode.refused,
        notes: refusing,
        serverState: 'nothing was changed',
        nextStep: `Do what it asks (${notes.get(r.id)?.action.trim().split('\n')[0] ?? 'see the note'}), then run again with --accept-notes ${r.id}.`,
      });
    }
    const note = notes.get(r.id);
    const answer = await deps.ask({
      id: `note:${r.id}`,
      text: `[${r.severity}${judge ? ', your judgement' : ''}] v${r.version}: ${r.title}`,
      details: [
        note?.summary.trim() ?? '',
        ...(judge ? ['No check can tell whether this applies to this server: read it and decide.'] : where(r)),
        `What to do: ${note?.action.trim() ?? ''}`,
        `From: ${note?.upstream ?? ''}`,
      ].filter(Boolean),
      choices: [
        { value: 'ack', label: judge ? 'I have read this: it does not apply here, or I have dealt with it; continue' : 'I have read this and dealt with it: continue' },
        { value: 'stop', label: 'Stop here and change nothing' },
      ],
      safeDefault: 'ack',
    });
    if (answer !== 'ack')
      throw new AdminError(`Stopped at note ${r.id} at your request.`, { exitCode: ExitCode.refused, code: 'stopped', serverState: 'nothing was changed', notes: [r.id] });
    acknowledged.push(r.id);
  }
  ctx.configFixes = await offerConfigFixes({ opts, deps, picture, from: picture.install.installedVersion, to: target }, results, notes);
  if (ctx.configFixes) await tracker.recorder?.setAcceptedFixes(fixedNotes(ctx.configFixes));
  const unchecked = await acknowledgeUnchecked(coverage, opts, deps.ask);
  acknowledged.push(...unchecked);
  const count = (applies: string) => results.filter((r) => r.applies === applies).length;
  const beyond = coverage.uncovered ? `; releases after ${coverage.uncovered.after} not covered (${unchecked.length} unchecked acknowledged)` : '';
  await tracker.done('notes', `${results.length} notes: ${count('yes')} apply, ${count('unknown')} unknown${acknowledged.length ? `, ${acknowledged.length} acknowledged` : ''}${beyond}`);
  return { results, acknowledged, rollbackFloor: floor };
}

export const notesStep: FlowStep = {
  ...describeStep('notes'),
  async run(ctx) {
    const review = await reviewNotes(ctx);
    await ctx.tracker.recorder?.setNotes(review.acknowledged);
    if (review.rollbackFloor) ctx.summary.push(`Without restoring a backup, this server can now roll back as far as ${review.rollbackFloor}.`);
  },
};
