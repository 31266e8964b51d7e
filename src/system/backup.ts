import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** A verified database backup, as recorded in the journal. */
export interface BackupRecord {
  engine: 'sqlite3' | 'psycopg2';
  /** The backup file. */
  path: string;
  /** Where the data came from: the SQLite file, or user@host:port/dbname. */
  source: string;
  bytes: number;
  durationMs: number;
  sha256: string;
  /** What proved it sound: `PRAGMA integrity_check: ok`, `pg_restore --list: 42 entries`. */
  verified: string;
  /** ISO time the backup finished: everything written after it is not in it. */
  createdAt: string;
  /** The Synapse version whose database this is. */
  version: string;
  /** schema_compat_version of the backed-up database, when readable. */
  compat?: number;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `homeserver-1.47.0-20260101T120000Z.db`: sorts by time, says which version it belongs to. */
export function backupFileName(version: string, engine: BackupRecord['engine'], at: Date = new Date()): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `homeserver-${version}-${stamp}.${engine === 'sqlite3' ? 'db' : 'dump'}`;
}
