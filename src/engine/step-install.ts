import { AdminError } from '../core/errors.js';
import { compareVersions } from '../core/version.js';
import type { FlowStep } from './context.js';

const tailText = (lines: string[], count = 8): string => lines.slice(-count).map((l) => `  ${l}`).join('\n');

/** Install the target with the method's own tool. A failure here leaves the old version serving. */
export const installStep: FlowStep = {
  id: 'install',
  async run(ctx) {
    const { steps, runner, method, picture, from } = ctx;
    const target = ctx.decision.target;
    const spec = method.installCommand(picture.install, target);
    await steps.start('install', spec);
    const result = await runner.run(spec);
    if (result.exitCode !== 0) {
      throw new AdminError(`The install command failed (exit ${result.exitCode}) while installing ${target}. Its last lines:\n${tailText(result.tail)}`, {
        serverState: `nothing was restarted; Synapse ${from} keeps serving`,
        nextStep: `Read the full output in ${ctx.transcriptPath}, fix the cause, then run synapse-upgrade again.`,
      });
    }
    if (!runner.dryRun) {
      const now = await method.installedVersion(picture.install);
      if (compareVersions(now, target) !== 0) {
        throw new AdminError(`After the install finished, matrix-synapse ${now} is installed, not ${target}.`, {
          serverState: `nothing was restarted; Synapse ${from} keeps serving`,
          nextStep: `Check the install output in ${ctx.transcriptPath} (a constraint or the Python version may hold it back).`,
        });
      }
    }
    await steps.done('install', runner.dryRun ? 'not run (dry run)' : `matrix-synapse ${target} installed`, { exitCode: 0 });
  },
};
