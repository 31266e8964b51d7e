import { AdminError, ExitCode } from '../../core/errors.js';
import type { CommandSpec } from '../../system/command.js';
import { displayArgv, shellQuote } from '../../system/redact.js';
import type { FlowStep, SessionContext } from '../context.js';
import { describeStep } from '../../core/steps.js';
import { backupDirOf } from './preflight.js';

/** The plan as lines: every command exactly as it will run. */
export function planLines(ctx: Pick<SessionContext, 'method' | 'picture'> & Partial<Pick<SessionContext, 'opts' | 'sessionDir' | 'plan'>>, target: string): string[] {
  const { method, picture } = ctx;
  const show = (argv: string[]): string => argv.map(shellQuote).join(' ');
  // The method's plan (prepare step) lists every command; without it, the main ones.
  const commands = (label: string, specs: CommandSpec[]): string[] => specs.map((s, i) => `${i === 0 ? label : ' '.repeat(label.length)} ${show(displayArgv(s))}`);
  const plan = ctx.plan;
  const safety = ctx.opts && ctx.sessionDir !== undefined;
  const hold = ctx.sessionDir !== undefined ? method.restartHold?.(picture.install, ctx.sessionDir, true) : undefined;
  return [
    ...(safety ? [ctx.opts?.noBackup ? 'Before: NO database backup (--no-backup)' : `Before: back up the database into ${backupDirOf({ opts: ctx.opts!, sessionDir: ctx.sessionDir! })} and verify the copy`] : []),
    ...commands('1. Install:', plan ? [...plan.before, ...plan.install] : [method.installCommand(picture.install, target)]),
    ...(hold ? [`   held while it runs: ${hold.what}`] : []),
    ...(safety ? ['   then check the config with the new version; if it is rejected, no restart (the old version keeps serving)'] : []),
    ...commands('2. Restart:', plan ? plan.restart : [method.restartCommand(picture.install)]),
    `3. Wait until ${picture.url}/_synapse/admin/v1/server_version answers (database migrations run first)`,
    `4. Verify that it reports ${target}`,
    ...(picture.install.workers.some((w) => w.url) ? [`5. Verify that the workers with a client listener report ${target} too`] : []),
    ...(plan?.details ?? []),
  ];
}

/** Show the plan and get the admin's word before anything changes. */
export const confirmStep: FlowStep = {
  ...describeStep('confirm'),
  async run(ctx) {
    const { deps, tracker, picture, decision, opts } = ctx;
    await tracker.start('confirm');
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
      await tracker.skip('confirm', 'stopped by the admin');
      throw new AdminError('Stopped at your request before any change.', { exitCode: ExitCode.failed, code: 'stopped', serverState: 'nothing was changed' });
    }
    await tracker.done('confirm', 'plan accepted');
  },
};
