import { describeInstall } from '../../methods/registry.js';
import { managerLabel } from '../../methods/restart/index.js';
import type { FlowStep } from '../context.js';
import { describeStep } from '../../core/steps.js';
import { ensureMethodPlan } from '../method-plan.js';

/**
 * What the install method needs before anything changes: root and the apt lock (Debian), a clean
 * work tree, the tag and Rust (git), the Docker daemon (Docker), the systemd start timeout. Read-only
 * except for files in the session folder; refusals end here with "nothing was changed".
 */
export const prepareStep: FlowStep = {
  ...describeStep('prepare'),
  async run(ctx) {
    await ctx.tracker.start('prepare');
    const plan = await ensureMethodPlan(ctx);
    for (const check of plan.checks) ctx.deps.emit({ type: 'message', level: 'info', text: check });
    ctx.summary.push(...(plan.summary ?? []));
    const count = plan.before.length + plan.install.length + plan.restart.length;
    await ctx.tracker.done('prepare', `${ctx.picture.install.method} install at ${describeInstall(ctx.picture.install, ctx.method).location}, restart with ${managerLabel(ctx.picture.install)}: ${count} command${count === 1 ? '' : 's'} planned`);
  },
};
