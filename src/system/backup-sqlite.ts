import type { CommandSpec } from './command.js';
import { readPython } from './probe.js';

/**
 * SQLite backups through the homeserver's own Python and its sqlite3 module: the online backup
 * API copies a consistent snapshot even while Synapse writes (a file copy of a live database does not).
 */
const BACKUP_SCRIPT =
  "import sqlite3, sys, urllib.parse; s = sqlite3.connect('file:' + urllib.parse.quote(sys.argv[1]) + '?mode=ro', uri=True); d = sqlite3.connect(sys.argv[2]); s.backup(d, pages=4096); d.close(); s.close(); print('copied', sys.argv[1], 'to', sys.argv[2])";

/** Online backup of `database` into `dest` (a new file). */
export function sqliteBackupCommand(python: string, database: string, dest: string): CommandSpec {
  return { argv: [python, '-c', BACKUP_SCRIPT, database, dest], title: `Back up ${database} (SQLite online backup)` };
}

/** Restore = the same backup API the other way: the backup's pages replace the database's, WAL included. */
export function sqliteRestoreCommand(python: string, backup: string, database: string): CommandSpec {
  return { argv: [python, '-c', BACKUP_SCRIPT, backup, database], title: `Restore ${database} from ${backup}` };
}

const CHECK_SCRIPT = [
  'import json, sqlite3, sys, urllib.parse',
  "con = sqlite3.connect('file:' + urllib.parse.quote(sys.argv[1]) + '?mode=ro', uri=True)",
  "rows = [r[0] for r in con.execute('PRAGMA integrity_check')]",
  'compat = None',
  'try:',
  "    compat = con.execute('SELECT compat_version FROM schema_compat_version').fetchone()[0]",
  'except Exception:',
  '    pass',
  "print(json.dumps({'integrity': rows, 'compat': compat}))",
].join('\n');

/** `PRAGMA integrity_check` on a backup (read-only), and its schema_compat_version. */
export async function verifySqliteBackup(python: string, path: string): Promise<{ ok: boolean; evidence: string; compat?: number }> {
  const result = await readPython(python, ['-c', CHECK_SCRIPT, path], { timeoutMs: 3_600_000 });
  if (result.exitCode !== 0) return { ok: false, evidence: `integrity_check could not run: ${result.stderr.trim().split('\n').at(-1) ?? ''}` };
  const data = JSON.parse(result.stdout) as { integrity: string[]; compat: number | null };
  const ok = data.integrity.length === 1 && data.integrity[0] === 'ok';
  return { ok, evidence: `PRAGMA integrity_check: ${data.integrity.slice(0, 3).join('; ')}`, ...(data.compat === null ? {} : { compat: data.compat }) };
}

/** Runs SQL statements that change the database (the schema-rollback SQL), in one transaction. */
export function sqliteExecCommand(python: string, database: string, statements: readonly string[], title: string): CommandSpec {
  // One transaction: a failing statement ends the script before COMMIT, and closing rolls everything back.
  const script =
    "import sys, sqlite3; c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN'); [print('>', q) or c.execute(q) for q in sys.argv[2:]]; c.execute('COMMIT')";
  return { argv: [python, '-c', script, database, ...statements], title };
}
