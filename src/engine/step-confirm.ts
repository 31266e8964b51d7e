import { AdminError, ExitCode } from '../core/errors.js';
import { displayArgv, shellQuote } from '../system/redact.js';
import type { FlowStep, SessionContext } from './context.js';
import { backupDirOf } from './step-preflight.js';

/** The plan as lines: every command exactly as it will run. */
export function planLines(ctx: Pick<SessionContext, 'method' | 'picture'> & Partial<Pick<SessionContext, 'opts' | 'sessionDir'>>, target: string): string[] {
  const { method, picture } = ctx;
  const show = (argv: string[]): string => argv.map(shellQuote).join(' ');
  const safety = ctx.opts && ctx.sessionDir !== undefined;
  return [
    ...(safety ? [ctx.opts?.noBackup ? 'Before: NO database backup (--no-backup)' : `Before: back up the database into ${backupDirOf({ opts: ctx.opts!, sessionDir: ctx.sessionDir! })} and verify the copy`] : []),
    `1. Install: ${show(displayArgv(method.installCommand(picture.install, target)))}`,
    ...(safety ? ['   then check the config with the new version; if it is rejected, no restart (the old version keeps serving)'] : []),
    `2. Restart: ${show(displayArgv(method.restartCommand(picture.install)))}`,
    `3. Wait until ${picture.url}/_synapse/admin/v1/server_version answers (database migrations run first)`,
    `4. Verify that it reports ${target}`,
  ];
}

/** Show the plan and get the admin's word before anything changes. */
export const confirmStep: FlowStep = {
  id: 'confirm',
  async run(ctx) {
    const { deps, steps, picture, decision, opts } = ctx;
    await steps.start('confirm');
    const answer = await deps.ask({
      id: 'confirm',
      text: `${opts.dryRun ? 'Dry run: show' : 'Upgrade'} Synapse ${picture.install.installedVersion} → ${decision.target}${opts.dryRun ? ' without changing anything?' : '?'}`,
      details: planLines(ctx, decision.target),
      choices: [
        { value: 'yes', label: opts.dryRun ? 'Walk through the plan' : 'Upgrade now' },
        { value: 'no', label: 'Stop and change nothing' },
      ],
      safeDefault: 'yes',
    });
    if (answer !== 'yes') {
      await steps.skip('confirm', 'stopped by the admin');
      throw new AdminError('Stopped at your request before any change.', { exitCode: ExitCode.failed, code: 'stopped', serverState: 'nothing was changed' });
    }
    await steps.done('confirm', 'plan accepted');
  },
};
