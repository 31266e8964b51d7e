import type { WizardOptions } from '../engine/context.js';
import type { CliOptions } from './args.js';

/** The engine's options from the command line (only what was given). */
export function wizardOptions(opts: CliOptions): WizardOptions {
  return {
    ...(opts.venv ? { venv: opts.venv } : {}),
    ...(opts.method ? { method: opts.method } : {}),
    ...(opts.container ? { container: opts.container } : {}),
    ...(opts.configPaths.length ? { configPaths: opts.configPaths } : {}),
    ...(opts.target ? { target: opts.target } : {}),
    ...(opts.url ? { url: opts.url } : {}),
    ...(opts.workersOnly && opts.mainUrl ? { workersOnly: { mainUrl: opts.mainUrl } } : {}),
    ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
    ...(opts.backupDir ? { backupDir: opts.backupDir } : {}),
    ...(opts.noBackup ? { noBackup: true } : {}),
    ...(opts.noPackageRollback ? { noPackageRollback: true } : {}),
    yes: opts.yes,
    dryRun: opts.dryRun,
    pre: opts.pre,
    acceptNotes: opts.acceptNotes,
    acceptAllNotes: opts.acceptAllNotes,
    acceptUncheckedNotes: opts.acceptUncheckedNotes,
    applyFixes: opts.applyFixes,
  };
}
