import { AdminError } from '../../core/errors.js';
import { outputTail } from '../../core/output-tail.js';
import { describeStep } from '../../core/steps.js';
import { pgExecCommand } from '../../system/backup-postgres.js';
import { sqliteExecCommand } from '../../system/backup-sqlite.js';
import { goOn, type RollbackStep } from '../rollback-context.js';
import { rollbackRestoreStep } from './rollback-restore.js';

/** No restore: the upgrade guide's schema rollback SQL makes the database fit the old version again, in one run. */
export const rollbackSqlStep: RollbackStep = {
  ...describeStep('rollback-sql'),
  needed: (ctx) => !rollbackRestoreStep.needed(ctx) && ctx.plan.sql.length > 0 && !('error' in ctx.info),
  async run(ctx) {
    const { plan, info } = ctx;
    if ('error' in info) return;
    await ctx.tracker.start('rollback-sql');
    const statements = plan.sql.flatMap((s) => s.statements);
    const title = `Schema rollback SQL from the upgrade guide (${plan.procedures.map((p) => p.id).join(', ')})`;
    const spec =
      info.engine === 'sqlite3'
        ? sqliteExecCommand(ctx.picture.install.python ?? 'python3', info.sqlitePath ?? '', statements, title)
        : pgExecCommand(info.pg!, statements, title);
    const result = await ctx.runner.run(spec);
    if (result.exitCode !== 0)
      throw new AdminError(`The schema rollback SQL failed (nothing was changed):\n${outputTail(result.tail, 6)}`, {
        serverState: goOn(`matrix-synapse ${ctx.back} is installed`),
      });
    await ctx.tracker.done('rollback-sql', `${statements.length} statements: ${plan.sql.map((s) => s.say).join(' ')}`);
    ctx.lines.push(`Applied the upgrade guide's schema rollback (${plan.procedures.map((p) => p.id).join(', ')}).`);
  },
};
