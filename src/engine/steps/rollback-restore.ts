import { dirname } from 'node:path';
import { AdminError } from '../../core/errors.js';
import { outputTail } from '../../core/output-tail.js';
import { describeStep } from '../../core/steps.js';
import { pgRestoreCommand, pgRestoreToSqlCommand } from '../../system/backup-postgres.js';
import { sqliteRestoreCommand } from '../../system/backup-sqlite.js';
import { goOn, type RollbackStep } from '../rollback-context.js';

/**
 * The old version cannot run on the migrated database: the verified backup goes back, checked against its recorded
 * checksum first (SQLite: copied back by Python's backup API; PostgreSQL: its dump as SQL, in one transaction).
 */
export const rollbackRestoreStep: RollbackStep = {
  ...describeStep('rollback-restore'),
  needed: (ctx) => ctx.plan.restore && !!ctx.backup && !('error' in ctx.info),
  async run(ctx) {
    const { runner, tracker, back, info } = ctx;
    const { files } = ctx.system;
    const backup = ctx.backup!;
    if ('error' in info) return;
    await tracker.start('rollback-restore');
    if (!runner.dryRun) {
      // A backup folder someone else controls could hand us another file, or take the restore script.
      await files.ensureTrusted(dirname(backup.path), 'backup folder', '--backup-dir', { create: false });
      const sum = await files.sha256(backup.path).catch((e: NodeJS.ErrnoException) => `unreadable (${e.code ?? e.message})`);
      if (sum !== backup.sha256) {
        throw new AdminError(`The backup ${backup.path} does not match its recorded checksum (${sum.slice(0, 16)}… ≠ ${backup.sha256.slice(0, 16)}…).`, {
          serverState: goOn(`matrix-synapse ${back} is installed, the database was not touched`),
          nextStep: 'Find an intact copy of the backup and restore it by hand.',
        });
      }
    }
    if (info.engine === 'sqlite3') {
      const result = await runner.run(sqliteRestoreCommand(ctx.picture.install.python ?? 'python3', backup.path, info.sqlitePath ?? ''));
      if (result.exitCode !== 0)
        throw new AdminError(`Restoring the database failed:\n${outputTail(result.tail, 6)}`, {
          serverState: goOn(`matrix-synapse ${back} is installed; the database is as the failed version left it`),
        });
    } else {
      const sqlFile = `${backup.path}.restore.sql`;
      try {
        // The whole database as SQL: private (0600), and never written through a link.
        if (!runner.dryRun) await files.createPrivate(sqlFile);
        const toSql = await runner.run(pgRestoreToSqlCommand(backup.path, sqlFile));
        if (toSql.exitCode !== 0)
          throw new AdminError(`Reading the backup failed:\n${outputTail(toSql.tail, 6)}`, {
            serverState: goOn(`matrix-synapse ${back} is installed; the database was not touched`),
          });
        const result = await runner.run(pgRestoreCommand(info.pg!, sqlFile));
        if (result.exitCode !== 0)
          throw new AdminError(`Restoring the database failed (nothing was changed, it runs in one transaction):\n${outputTail(result.tail, 6)}`, {
            serverState: goOn(`matrix-synapse ${back} is installed; the database is as the failed version left it`),
          });
      } finally {
        await files.remove(sqlFile);
      }
    }
    await tracker.done('rollback-restore', `restored ${backup.path} (taken ${backup.createdAt})`);
    ctx.lines.push(`The database was restored from ${backup.path} (taken ${backup.createdAt}); changes made after that are gone.`);
  },
};
