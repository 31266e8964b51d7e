import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdminError, ExitCode } from '../core/errors.js';
import type { InstallSummary, Outcome } from '../core/events.js';
import type { StepId, StepStatus } from '../core/steps.js';
import { writeFileAtomic } from './atomic-write.js';
import type { BackupRecord } from './backup.js';

export const JOURNAL_FORMAT = 1;

export interface JournalStep {
  id: StepId;
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
  /** The exact command (display form, secrets masked). */
  command?: string[];
  exitCode?: number;
  summary?: string;
}

/** The durable record of one upgrade session; written after every step. */
export interface Journal {
  format: number;
  sessionId: string;
  startedAt: string;
  updatedAt: string;
  dryRun: boolean;
  install: InstallSummary | undefined;
  from: string | undefined;
  to: string | undefined;
  steps: JournalStep[];
  /** Notes the admin acknowledged (or accepted with --accept-notes). */
  acknowledgedNotes: string[];
  /** The verified database backup taken before the install (absent with --no-backup or before the backup step). */
  backup?: BackupRecord;
  outcome: Outcome | undefined;
  transcript: string;
}

export const journalPath = (sessionDir: string): string => join(sessionDir, 'journal.json');

export async function writeJournal(sessionDir: string, journal: Journal): Promise<void> {
  await writeFileAtomic(journalPath(sessionDir), `${JSON.stringify({ ...journal, updatedAt: new Date().toISOString() }, null, 2)}\n`);
}

/** Loads a journal; a missing file is `undefined`, a damaged or future one is a clear error. */
export async function readJournal(sessionDir: string): Promise<Journal | undefined> {
  const path = journalPath(sessionDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AdminError(`The journal ${path} cannot be read: ${(error as Error).message}`, { exitCode: ExitCode.usage });
  }
  let data: Partial<Journal>;
  try {
    data = JSON.parse(text) as Partial<Journal>;
  } catch {
    throw new AdminError(`The journal ${path} is damaged (not valid JSON). It was left as it is.`, {
      exitCode: ExitCode.usage,
      nextStep: 'Move it aside to start a new session, or restore it from a copy.',
    });
  }
  if (typeof data.format !== 'number' || data.format > JOURNAL_FORMAT) {
    throw new AdminError(`The journal ${path} was written by a newer synapse-upgrade (format ${String(data.format)}).`, {
      exitCode: ExitCode.usage,
      nextStep: 'Use the newer synapse-upgrade that wrote it; the file was left as it is.',
    });
  }
  return data as Journal;
}
