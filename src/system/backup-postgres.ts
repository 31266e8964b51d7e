import type { CommandSpec } from './command.js';
import { pgCommand, type PgConnection } from './pg-connection.js';
import { readOnly } from './probe.js';

/** `pg_dump -Fc` with the config's connection settings (the password only in the environment). */
export function pgDumpCommand(conn: PgConnection, dest: string): CommandSpec {
  return pgCommand('pg_dump', conn, ['-Fc', '-f', dest, ...(conn.dbname ? ['-d', conn.dbname] : [])], `Back up ${conn.where} (pg_dump -Fc)`);
}

/** `pg_restore --list`: reads the archive's table of contents, proving it is complete and readable. */
export async function verifyPgDump(path: string): Promise<{ ok: boolean; evidence: string }> {
  const result = await readOnly(['pg_restore', '--list', path], { timeoutMs: 600_000 });
  if (result.exitCode !== 0) return { ok: false, evidence: `pg_restore --list failed: ${result.stderr.trim().split('\n').at(-1) ?? ''}` };
  const entries = result.stdout.split('\n').filter((l) => l.trim() && !l.startsWith(';'));
  const hasSchema = entries.some((l) => /TABLE DATA \S+ schema_version /.test(l));
  return {
    ok: entries.length > 0 && hasSchema,
    evidence: `pg_restore --list: ${entries.length} entries${hasSchema ? ', schema_version data included' : ', no schema_version data (not a Synapse database?)'}`,
  };
}

/** Turns the archive into SQL (no owners, no grants) for the restore transaction. */
export function pgRestoreToSqlCommand(dump: string, sqlFile: string): CommandSpec {
  return { argv: ['pg_restore', '--no-owner', '--no-privileges', '-f', sqlFile, dump], title: `Read the backup ${dump}` };
}

/**
 * Restores in ONE transaction: drop everything the Synapse role owns in this database (tables
 * the newer version created included), then replay the backup. Any error rolls the whole thing back.
 */
export function pgRestoreCommand(conn: PgConnection, sqlFile: string): CommandSpec {
  return pgCommand(
    'psql',
    conn,
    ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-1', ...(conn.dbname ? ['-d', conn.dbname] : []), '-c', 'DROP OWNED BY CURRENT_USER', '-f', sqlFile],
    `Restore ${conn.where} from the backup (one transaction)`,
  );
}

/** Statements that change the database, in one transaction (the schema-rollback SQL). */
export function pgExecCommand(conn: PgConnection, statements: readonly string[], title: string): CommandSpec {
  return pgCommand(
    'psql',
    conn,
    ['-X', '-v', 'ON_ERROR_STOP=1', '-1', ...(conn.dbname ? ['-d', conn.dbname] : []), ...statements.flatMap((s) => ['-c', s])],
    title,
  );
}
