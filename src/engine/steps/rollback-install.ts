import { dirname } from 'node:path';
import { AdminError } from '../../core/errors.js';
import { describeStep } from '../../core/steps.js';
import { sameVersion } from '../../core/version.js';
import { withRestartHold } from '../restart-hold.js';
import { goOn, runRollbackCommand, type RollbackStep } from '../rollback-context.js';

/**
 * The old version back in place, the method's own way when it has one (git: the old tag checked out again; Debian:
 * the kept .deb; Docker: the kept container), with the tool's own restart held; then proven installed.
 */
export const rollbackInstallStep: RollbackStep = {
  ...describeStep('rollback-install'),
  needed: () => true,
  async run(ctx) {
    const { method, runner, tracker, back } = ctx;
    const install = ctx.picture.install;
    const sessionDir = dirname(ctx.transcriptPath);
    const backTo = await method.rollbackCommands?.(install, back, sessionDir);
    if (backTo) ctx.backTo = backTo;
    await withRestartHold({ method, install, runner, tracker, emit: ctx.deps.emit, sessionDir }, async () => {
      for (const spec of backTo?.install ?? [method.installCommand(install, back)]) {
        await runRollbackCommand(ctx, 'rollback-install', spec, {
          failure: `Installing ${back} failed`,
          state: goOn(`matrix-synapse ${ctx.current} may still be installed`),
        });
      }
    });
    if (!runner.dryRun) {
      const now = await method.installedVersion(install);
      if (!sameVersion(now, back))
        throw new AdminError(`After reinstalling, matrix-synapse ${now} is installed, not ${back}.`, { serverState: goOn('the old version is not back') });
    }
    ctx.lines.push(`matrix-synapse ${back} is installed again.`);
  },
};
