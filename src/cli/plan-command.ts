import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { InstallSummary, NoteEvent, WizardEvent } from '../core/events.js';
import type { CoverageReport } from '../core/notes/coverage.js';
import { renderPlanScript, type PlannedCommand } from '../core/plan-script.js';
import { checkLine } from '../core/session.js';
import { usageError } from '../core/errors.js';
import { runWizard } from '../engine/wizard.js';
import { writeFileAtomic } from '../system/atomic-write.js';
import { EventBus } from '../ui/event-bus.js';
import type { CliOptions } from './args.js';
import type { CliIO } from './output.js';
import { VERSION } from './version.js';
import { wizardOptions } from './wizard-options.js';

/** Collects what a dry run shows: the commands per step, the notes and the checks. */
function collector() {
  const commands: PlannedCommand[] = [];
  const notes: NoteEvent[] = [];
  const checks: string[] = [];
  let install: InstallSummary | undefined;
  let coverage: CoverageReport | undefined;
  let step = '';
  let fixes: Extract<WizardEvent, { type: 'config.fixes' }> | undefined;
  const listen = (event: WizardEvent): void => {
    if (event.type === 'config.fixes') fixes = event;
    if (event.type === 'step.started' && event.step === 'config-check' && fixes) {
      // The fixes as a reviewed file write, before the new code checks the config: the diff (secrets masked) above
      // the command that makes these edits.
      commands.push({
        step: 'Apply the config fixes of the notes (reviewed file write)',
        argv: fixes.command,
        cwd: undefined,
        env: {},
        review: [`The config fixes for ${fixes.notes.join(', ')}; review the diff, the command below makes it (each file backed up first):`, ...fixes.diff],
      });
    }
    if (event.type === 'step.started') step = event.title;
    else if (event.type === 'command.started') commands.push({ step, argv: event.argv, cwd: event.cwd, env: event.env ?? {} });
    else if (event.type === 'note') notes.push(event.note);
    else if (event.type === 'notes.coverage') coverage = event.coverage;
    else if (event.type === 'check') checks.push(checkLine(event));
    else if (event.type === 'detected') install = event.install;
  };
  return { listen, commands, notes, checks, install: () => install, coverage: () => coverage };
}

/** --script FILE must be a new file or a regular file: a link or a device there is refused before anything runs. */
async function checkScriptPath(path: string): Promise<void> {
  const info = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw usageError(`--script ${path} cannot be checked (${error.code ?? error.message}).`, 'Choose another file for the plan.');
  });
  if (!info || info.isFile()) return;
  const what = info.isSymbolicLink() ? 'a symbolic link' : info.isDirectory() ? 'a folder' : 'not a regular file (a FIFO, socket or device)';
  throw usageError(
    `--script ${path} is ${what}; the plan is only written to a new or regular file. Nothing was changed.`,
    'Choose another file for the plan, or remove that one.',
  );
}

/**
 * `synapse-upgrade plan`: a dry run whose commands become a POSIX shell script, with a comment
 * for each note and check. Nothing is changed; the script goes to --script FILE or stdout.
 */
export async function runPlan(opts: CliOptions, io: CliIO): Promise<number> {
  if (opts.script) await checkScriptPath(opts.script);
  const bus = new EventBus(true);
  const seen = collector();
  bus.subscribe(seen.listen);
  bus.subscribe((event) => {
    if (event.type === 'message' && event.level !== 'info') io.stderr(`${event.level}: ${event.text}`);
  });
  const result = await runWizard(
    { ...wizardOptions(opts), dryRun: true, yes: true, acceptAllNotes: true, acceptUncheckedNotes: true, applyFixes: true },
    { emit: bus.emit, ask: bus.ask },
  );
  const install = seen.install();
  if (result.outcome !== 'dry-run' || !install || !result.from || !result.to) {
    io.stderr(result.lines.join('\n'));
    return result.exitCode;
  }
  const script = renderPlanScript({
    generatedBy: `synapse-upgrade ${VERSION}`,
    generatedAt: new Date().toISOString(),
    serverName: install.serverName,
    method: install.method,
    from: result.from,
    to: result.to,
    url: install.url ?? '',
    python: install.venv ? join(install.venv, 'bin', 'python') : 'python3',
    evidence: install.evidence,
    notes: seen.notes,
    ...(seen.coverage() ? { coverage: seen.coverage() } : {}),
    checks: seen.checks,
    commands: seen.commands,
  });
  if (opts.script) {
    // A new file in the same folder, renamed over FILE: a link planted at FILE is replaced, never written through.
    // 0700: the script names the server's paths and commands; only its owner needs to read or run it.
    await writeFileAtomic(opts.script, script, 0o700);
    io.stderr(`Wrote the plan for ${result.from} -> ${result.to} to ${opts.script}. Review it, then run it with: sh ${opts.script}`);
  } else {
    io.stdout(script);
  }
  return 0;
}
