import { AdminError } from '../../core/errors.js';
import { outputTail } from '../../core/output-tail.js';
import { sameVersion } from '../../core/version.js';
import type { CommandSpec } from '../../system/command.js';
import type { FlowStep, SessionContext } from '../context.js';
import { describeStep } from '../../core/steps.js';
import { ensureMethodPlan } from '../method-plan.js';
import { holdInput, withRestartHold } from '../restart-hold.js';
import type { MethodPlan } from '../../methods/types.js';
import { shellQuote } from '../../system/redact.js';
import { systemOf } from '../system-helpers.js';

/** pip's own error lines (`ERROR: …`, also indented inside a build's output): quoted first when an install fails. */
const PIP_ERROR = /^\s*ERROR: /;

/** Runs the method's undo commands after a failed install; says what state they left (or how to finish by hand). */
async function undoInstall(ctx: SessionContext, undo: NonNullable<MethodPlan['undoInstall']>): Promise<string> {
  for (const command of undo.commands) {
    const result = await ctx.runner.run(command);
    if (result.exitCode !== 0) {
      return `putting things back failed at "${command.title ?? command.argv.join(' ')}" (exit ${result.exitCode}); to finish by hand: ${undo.commands.map((c) => c.argv.map(shellQuote).join(' ')).join(' && ')}`;
    }
  }
  return undo.describe;
}

/** In a dry run, the method's own read-only check proves the install would resolve. */
async function checkInstallable(ctx: SessionContext, check: CommandSpec): Promise<void> {
  const result = await systemOf(ctx).readOnly(check.argv, { timeoutMs: 300_000 });
  const last = `${result.stdout}\n${result.stderr}`.trim().split('\n').filter((l) => l && !l.startsWith('WARNING')).at(-1) ?? '';
  ctx.deps.emit({ type: 'check', name: check.title ?? check.argv.join(' '), status: result.exitCode === 0 ? 'pass' : 'fail', evidence: last, probed: true });
  if (result.exitCode !== 0) {
    throw new AdminError(`The dry run found that the install would fail: ${last}`, { serverState: 'nothing was changed (dry run)', nextStep: 'Fix the cause before upgrading for real.' });
  }
}

/** Install the target with the method's own tool. A failure here leaves the old version serving. */
export const installStep: FlowStep = {
  ...describeStep('install'),
  async run(ctx) {
    const { tracker, runner, method, picture, from } = ctx;
    const target = ctx.decision.target;
    const spec = method.installCommand(picture.install, target);
    await tracker.start('install', spec);
    if (runner.dryRun && method.dryRunCheck) await checkInstallable(ctx, method.dryRunCheck(picture.install, target));
    // Every command of the method's plan: what a rollback needs first, then the install itself.
    const plan = await ensureMethodPlan(ctx);
    // Once a command succeeded, a later failure may leave things half moved (git: the checkout): the plan's undo.
    let changed = false;
    const runAll = async (commands: CommandSpec[]): Promise<void> => {
      for (const command of commands) {
        const errors: string[] = [];
        const result = await runner.run(command, (line) => {
          if (PIP_ERROR.test(line) && errors.length < 12) errors.push(line.trim());
        });
        if (result.exitCode !== 0) {
          const undone = changed && plan.undoInstall ? await undoInstall(ctx, plan.undoInstall) : undefined;
          const quoted = [...errors, ...result.tail.slice(-8).filter((l) => !errors.includes(l.trim()))];
          throw new AdminError(
            `The install command failed (exit ${result.exitCode}) while installing ${target}${command.title ? ` (${command.title})` : ''}.${errors.length ? ' Its errors first, then its last lines:' : ' Its last lines:'}\n${outputTail(quoted, 8 + errors.length)}`,
            {
              serverState: `nothing was restarted; Synapse ${from} keeps serving${undone ? `; ${undone}` : ''}`,
              nextStep: `Read the full output in ${ctx.transcriptPath}, fix the cause, then run synapse-upgrade again.`,
            },
          );
        }
        changed = true;
      }
    };
    await runAll(plan.before);
    // The install tool must not restart Synapse itself (Debian's postinst would): held until it is done.
    await withRestartHold(holdInput(ctx), () => runAll(plan.install));
    if (!runner.dryRun) {
      const now = await (method.versionAfterInstall ? method.versionAfterInstall(picture.install, target) : method.installedVersion(picture.install));
      if (!sameVersion(now, target)) {
        throw new AdminError(`After the install finished, matrix-synapse ${now} is installed, not ${target}.`, {
          serverState: `nothing was restarted; Synapse ${from} keeps serving`,
          nextStep: `Check the install output in ${ctx.transcriptPath} (a constraint or the Python version may hold it back).`,
        });
      }
    }
    await tracker.done('install', runner.dryRun ? 'not run (dry run)' : `matrix-synapse ${target} installed`, { exitCode: 0 });
  },
};
