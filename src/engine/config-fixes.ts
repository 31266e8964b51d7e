import { AdminError, ExitCode } from '../core/errors.js';
import { planFixes } from '../core/fixes/plan-fixes.js';
import { planDiff } from '../core/fixes/render-fixes.js';
import type { FixPlan } from '../core/fixes/types.js';
import type { Note, NoteResult } from '../core/notes/types.js';
import { applyFixPlan, readFixFiles, restoreFixBackup, type FixWrite } from '../system/config-fix-files.js';
import type { SessionContext, WizardDeps, WizardOptions } from './context.js';
import type { ServerPicture } from './inspect.js';
import type { StepTracker } from './step-tracker.js';
import { loadReleaseData } from '../system/release-data.js';

/**
 * The config fixes of the notes that apply, in the wizard: offered as a diff with Apply / Skip right after the
 * notes are acknowledged (nothing written then), written after the install and before the new version's own
 * config check (so that check sees them, and a refusal or a later failure rolls them back with the version), and
 * put back from their backups by any rollback.
 */

/** Every file the fixes may touch: the homeserver config files, the log config they name, the workers' configs. */
export async function serverFixFiles(picture: ServerPicture): ReturnType<typeof readFixFiles> {
  return readFixFiles({
    configPaths: picture.config.paths,
    workerConfigPaths: picture.install.workers.flatMap((w) => (w.configPath ? [w.configPath] : [])),
  });
}

/** The notes a plan deals with: those it changes a file for, and those an earlier note's edit already fixed. */
export const fixedNotes = (plan: FixPlan): string[] => [...new Set([...plan.changes.map((c) => c.noteId), ...plan.unchanged])];

/** The command that makes the same writes by hand (`plan --script` puts it after the diff, for review). */
export function fixCommand(from: string, to: string, picture: ServerPicture): string[] {
  return [
    'synapse-upgrade',
    'notes',
    '--from',
    from,
    '--to',
    to,
    ...picture.config.paths.flatMap((p) => ['--config', p]),
    ...picture.install.workers.flatMap((w) => (w.configPath ? ['--worker-config', w.configPath] : [])),
    '--fix',
    '--yes',
  ];
}

/**
 * Shows the fixes of the applicable notes and asks Apply / Skip. Returns the plan to write later, or undefined
 * (nothing to fix, or skipped). Under --yes the answer is Skip unless `--apply-fixes` was given.
 */
export async function offerConfigFixes(
  input: { opts: WizardOptions; deps: WizardDeps; picture: ServerPicture; from: string; to: string },
  results: readonly NoteResult[],
  notes: ReadonlyMap<string, Note>,
): Promise<FixPlan | undefined> {
  const applying = results
    .filter((r) => r.applies === 'yes')
    .map((r) => notes.get(r.id))
    .filter((n): n is Note => !!n?.fixes?.length);
  if (applying.length === 0) return undefined;
  let plan: FixPlan;
  try {
    plan = planFixes(applying, await serverFixFiles(input.picture));
  } catch (error) {
    input.deps.emit({
      type: 'message',
      level: 'warn',
      text: `The config fixes could not be prepared (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); make the changes by hand.`,
    });
    return undefined;
  }
  for (const r of plan.refused)
    input.deps.emit({ type: 'message', level: 'warn', text: `No automatic fix for ${r.noteId}: ${r.reason}. Make that change by hand.` });
  if (plan.files.length === 0) return undefined;
  const diff = planDiff(plan);
  const fixed = fixedNotes(plan);
  input.deps.emit({ type: 'config.fixes', notes: fixed, files: plan.files.map((f) => f.path), diff, command: fixCommand(input.from, input.to, input.picture) });
  const answer = await input.deps.ask({
    id: 'config-fixes',
    text: `Apply the config fixes for ${fixed.length} note(s) to ${plan.files.length} file(s)?`,
    details: [
      ...diff,
      '',
      `They are written after the new version is installed, checked by its own config check before the restart, and put back by a rollback. Each file's original is kept as a backup.`,
    ],
    choices: [
      { value: 'apply', label: 'Apply these fixes (after the install, before the restart)' },
      { value: 'skip', label: 'Skip: I change the config myself' },
    ],
    safeDefault: input.opts.applyFixes ? 'apply' : 'skip',
  });
  return answer === 'apply' ? plan : undefined;
}

/**
 * Writes the config fixes accepted at the notes (run by the config-check step, before the new code checks the
 * config). Each file's backup is journaled before the file is replaced, so a rollback can always put it back.
 * Returns whether anything was written; a failure puts back what was written and stops the upgrade before any restart.
 */
export async function writeConfigFixes(ctx: SessionContext): Promise<boolean> {
  const recorder = ctx.tracker.recorder;
  let plan = ctx.configFixes;
  const accepted = recorder?.journal.acceptedFixes ?? [];
  if (!plan && accepted.length) {
    // A resumed session: the notes were answered before the interruption; the accepted fixes are made again from
    // the files as they are now (a file already fixed gives no change).
    const data = await loadReleaseData();
    plan = planFixes(
      data.notes.filter((n) => accepted.includes(n.id)),
      await serverFixFiles(ctx.picture),
    );
  }
  if (!plan || plan.files.length === 0) return false;
  if (ctx.runner.dryRun) {
    ctx.deps.emit({
      type: 'message',
      level: 'info',
      text: `Dry run: the accepted config fixes would be written now to ${plan.files.map((f) => f.path).join(', ')} (nothing written).`,
    });
    return false;
  }
  const writes: FixWrite[] = [...(recorder?.journal.configFixes ?? [])];
  try {
    await applyFixPlan(plan, ctx.sessionDir, new Date(), async (write) => {
      writes.push(write);
      await recorder?.setConfigFixes(writes);
    });
  } catch (error) {
    const restored = await restoreConfigFixes(writes).catch((e: unknown) => [e instanceof Error ? e.message : String(e)]);
    throw new AdminError(`The config fixes could not be written: ${error instanceof Error ? error.message : String(error)}`, {
      exitCode: ExitCode.failed,
      serverState: `matrix-synapse ${ctx.decision.target} is installed but Synapse was not restarted; ${ctx.from} keeps serving${restored.length ? `; ${restored.join('; ')}` : ''}`,
      nextStep: 'Make the change by hand (see the diff shown at the notes), or put the old version back with `synapse-upgrade rollback`.',
    });
  }
  const fresh = writes.slice(writes.length - plan.files.length);
  for (const w of fresh) ctx.deps.emit({ type: 'message', level: 'info', text: `Config fix written: ${w.path} (its original is kept in ${w.backup}).` });
  ctx.summary.push(`Config fixes written: ${fresh.map((w) => `${w.path} (original: ${w.backup})`).join('; ')}; a rollback puts them back.`);
  return true;
}

/** Puts every fixed file back from its backup, newest write first. Returns lines for the admin; throws if one cannot be restored. */
export async function restoreConfigFixes(writes: readonly FixWrite[], tracker?: StepTracker): Promise<string[]> {
  if (writes.length === 0) return [];
  if (tracker) await tracker.start('rollback-config');
  const lines: string[] = [];
  const failed: string[] = [];
  for (const write of [...writes].reverse()) {
    try {
      if (await restoreFixBackup(write)) lines.push(`${write.path} restored from ${write.backup}`);
      else failed.push(`${write.path} does not match ${write.backup} after restoring`);
    } catch (error) {
      failed.push(`${write.path} could not be restored from ${write.backup} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
  if (failed.length) {
    if (tracker) await tracker.fail(failed.join('; '));
    throw new AdminError(`The config files could not all be put back: ${failed.join('; ')}.`, {
      exitCode: ExitCode.failed,
      serverState: 'the old version is installed; the config files named above still hold the fixed content',
      nextStep: `Copy each backup over its file by hand (${writes.map((w) => `${w.backup} → ${w.path}`).join(', ')}), then start Synapse.`,
    });
  }
  if (tracker) await tracker.done('rollback-config', lines.join('; '));
  return lines;
}
