import { describeStep } from '../../core/steps.js';
import { restoreConfigFixes } from '../config-fixes.js';
import type { RollbackStep } from '../rollback-context.js';

/** The config files the session's accepted fixes rewrote go back from their backups, byte for byte. */
export const rollbackConfigStep: RollbackStep = {
  ...describeStep('rollback-config'),
  needed: (ctx) => (ctx.configFixes?.length ?? 0) > 0,
  drawn: (ctx) => !ctx.runner.dryRun,
  async run(ctx) {
    const writes = ctx.configFixes ?? [];
    if (ctx.runner.dryRun) ctx.lines.push(`Would put back ${writes.map((w) => `${w.path} from ${w.backup}`).join(', ')}.`);
    else ctx.lines.push(...(await restoreConfigFixes(writes, ctx.tracker)).map((l) => `Config: ${l}.`));
  },
};
