import { describeError } from '../core/errors.js';
import { fixesJson, fixesText } from '../core/fixes/render-fixes.js';
import { planFixes } from '../core/fixes/plan-fixes.js';
import type { FixPlan } from '../core/fixes/types.js';
import type { Note, NoteResult } from '../core/notes/types.js';
import { applyFixPlan, readFixFiles, type FixWrite } from '../system/config-fix-files.js';
import { resolveStateRoot } from '../system/state-dir.js';

export interface NotesFixOptions {
  configPaths: string[];
  workerConfigPaths: string[];
  apply: boolean;
  stateDir: string | undefined;
}

export type NotesFixOutcome = { ok: true; plan: FixPlan; applied: FixWrite[] | undefined } | { ok: false; error: string[] };

/** `notes --fix`: the fixes of the notes that apply (release order), applied under `--yes`. */
export async function notesFix(selected: readonly Note[], results: readonly NoteResult[], opts: NotesFixOptions): Promise<NotesFixOutcome> {
  const applying = new Set(results.filter((r) => r.applies === 'yes').map((r) => r.id));
  const notes = selected.filter((n) => applying.has(n.id) && n.fixes?.length);
  try {
    const files = opts.configPaths.length ? await readFixFiles({ configPaths: opts.configPaths, workerConfigPaths: opts.workerConfigPaths }) : [];
    const plan = planFixes(notes, files);
    const applied = opts.apply ? await applyFixPlan(plan, resolveStateRoot(opts.stateDir)) : undefined;
    return { ok: true, plan, applied };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

export const notesFixJson = (outcome: Extract<NotesFixOutcome, { ok: true }>): Record<string, unknown> => fixesJson(outcome.plan, outcome.applied);
export const notesFixText = (outcome: Extract<NotesFixOutcome, { ok: true }>, notes: readonly Note[]): string[] =>
  fixesText(outcome.plan, new Map(notes.map((n) => [n.id, n.title])), outcome.applied);
