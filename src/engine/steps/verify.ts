import { AdminError } from '../../core/errors.js';
import { sameVersion } from '../../core/version.js';
import type { FlowStep } from '../context.js';
import { describeStep } from '../../core/steps.js';
import { systemOf } from '../system-helpers.js';

/** The running version must be the target, proven over HTTP; /health must say OK. */
export const verifyStep: FlowStep = {
  ...describeStep('verify'),
  async run(ctx) {
    const { tracker, picture, deps } = ctx;
    const { http } = systemOf(ctx);
    const target = ctx.decision.target;
    if (ctx.opts.workersOnly) {
      await tracker.skip('verify', `the main process runs on another host (it answered ${picture.running.ok ? picture.running.answer.raw : '?'} at ${picture.url})`);
      return;
    }
    if (ctx.runner.dryRun || !ctx.restart?.ready) {
      await tracker.skip('verify', `assumed: Synapse would answer ${target}`);
      return;
    }
    await tracker.start('verify');
    let answer = (await ctx.restart.ready).answer;
    if (!sameVersion(answer.version, target)) {
      // The first answer can still be the old process on its way out: ask once more.
      const again = await http.serverVersion(picture.url);
      if (again.ok) answer = again.answer;
    }
    if (!sameVersion(answer.version, target)) {
      throw new AdminError(`Synapse answers ${answer.raw} at ${picture.url}, not ${target}.`, {
        serverState: `matrix-synapse ${target} is installed but the server answering is ${answer.version}`,
        nextStep: 'Check that no other Synapse process holds the port and that the restart used the right config.',
      });
    }
    if (!(await http.health(picture.url))) deps.emit({ type: 'message', level: 'warn', text: `${picture.url}/health did not answer OK.` });
    await tracker.done('verify', `server_version says ${answer.raw}`);
  },
};
