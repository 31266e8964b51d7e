import { parse } from 'yaml';
import { maskLine, secretStrings } from './secret-guard.js';
import type { FixPlan } from './types.js';
import { unifiedDiff } from './unified-diff.js';

/** Every secret held in any file of the plan, before or after: masked wherever a line of the diff is shown. */
function planSecrets(plan: FixPlan): Set<string> {
  const out = new Set<string>();
  for (const file of plan.files) {
    for (const text of [file.before, file.after]) {
      try {
        for (const s of secretStrings(parse(text, { uniqueKeys: false, maxAliasCount: 100 }))) out.add(s);
      } catch {
        // A file the fixes could parse always parses here; nothing to add otherwise.
      }
    }
  }
  return out;
}

/** The unified diff of every file a plan changes, secrets masked. Pure. */
export function planDiff(plan: FixPlan): string[] {
  const secrets = planSecrets(plan);
  return plan.files.flatMap((f) => unifiedDiff({ from: f.path, to: `${f.path} (fixed)` }, f, { show: (line) => maskLine(line, secrets) }));
}

/** The `fixes` member of `notes --fix --json`: each change as data, the refusals, the diff lines and what was written. */
export function fixesJson(plan: FixPlan, applied: { path: string; backup: string }[] | undefined): Record<string, unknown> {
  return {
    changes: plan.changes.map((c) => ({ note: c.noteId, file: c.file, line: c.line, before: c.before, after: c.after })),
    refused: plan.refused.map((r) => ({ note: r.noteId, reason: r.reason })),
    diff: planDiff(plan),
    applied: applied ?? null,
  };
}

/** Text for `notes --fix`: which notes are fixed, the refusals with their reason, the diff, and what to do next. */
export function fixesText(plan: FixPlan, titles: ReadonlyMap<string, string>, applied: { path: string; backup: string }[] | undefined): string[] {
  const fixed = [...new Set(plan.changes.map((c) => c.noteId))];
  const lines = ['', `CONFIG FIXES (${fixed.length} note(s) fixed mechanically, ${plan.refused.length} left to do by hand)`];
  for (const id of fixed) lines.push(`  [fix] ${titles.get(id) ?? id}  (${id})`);
  for (const r of plan.refused) lines.push(`  [by hand] ${titles.get(r.noteId) ?? r.noteId}  (${r.noteId}): ${r.reason}`);
  if (plan.files.length === 0) {
    lines.push(fixed.length || plan.refused.length ? '' : '  No note that applies has a mechanical fix; nothing to change.');
    return lines;
  }
  lines.push('', ...planDiff(plan), '');
  if (applied) {
    for (const w of applied) lines.push(`Rewrote ${w.path}; its original bytes are kept in ${w.backup}`);
  } else {
    lines.push('Nothing was changed. Run the same command with --yes to apply these fixes (each file is backed up first).');
  }
  return lines;
}
