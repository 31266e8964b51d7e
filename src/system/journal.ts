import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { AdminError, ExitCode } from '../core/errors.js';
import type { InstallSummary, Outcome } from '../core/events.js';
import type { StepId, StepStatus } from '../core/steps.js';
import { parseVersion } from '../core/version.js';
import { writeFileAtomic } from './atomic-write.js';
import { openProblem, readTextNoFollow } from './no-follow.js';
import type { JobRecord } from './jobs.js';
import type { BackupRecord } from './backup.js';

/** 2: steps name their job (`job`), and interruptions and resumes are recorded (`events`). 1 still loads. */
export const JOURNAL_FORMAT = 2;

/**
 * Something that happened to the session as a whole: it was interrupted, resumed, or abandoned; the
 * install tool's own restart was held (Debian's policy-rc.d) or that hold released.
 */
export interface JournalEvent {
  at: string;
  kind: 'interrupted' | 'resumed' | 'abandoned' | 'restart-held' | 'restart-released';
  /** `SIGHUP`, `SIGTERM`, `quit at the admin's request`… */
  reason?: string;
  /** The step running at the time. */
  step?: StepId;
  pid: number;
}

export interface JournalStep {
  id: StepId;
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
  /** The exact command (display form, secrets masked). */
  command?: string[];
  exitCode?: number;
  summary?: string;
  /** The step's latest command as a detached job (`jobs/NNNN` in the session folder), recorded before it starts. */
  job?: JobRecord;
  /** All of the step's commands so far, in order (`job` is the last). */
  jobs?: JobRecord[];
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
  /** Config files the accepted config fixes rewrote, each with the backup of its original bytes (a rollback puts them back). */
  configFixes?: { path: string; backup: string }[];
  /** Notes whose config fixes the admin accepted (written by the config-fix step; a resumed session makes them again). */
  acceptedFixes?: string[];
  outcome: Outcome | undefined;
  transcript: string;
  /** Interruptions, resumes and an abandonment, oldest first. */
  events?: JournalEvent[];
  /** When the wizard saw Synapse stop answering during the restart (ISO, ms): the outage's start, for a resume. */
  serverDownAt?: string;
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
    text = await readTextNoFollow(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AdminError(`The journal ${openProblem(path, error)}: ${(error as Error).message}. Nothing was changed and the file was left as it is.`, {
      exitCode: ExitCode.usage,
    });
  }
  let data: Partial<Journal> | null;
  try {
    data = JSON.parse(text) as Partial<Journal> | null;
  } catch {
    throw new AdminError(`The journal ${path} is damaged (not valid JSON). Nothing was changed and the file was left as it is.`, {
      exitCode: ExitCode.usage,
      nextStep: 'Restore it from a copy, or move it aside to start a new session (synapse-upgrade status then shows none).',
    });
  }
  if (typeof data?.format === 'number' && data.format > JOURNAL_FORMAT) {
    throw new AdminError(
      `The journal ${path} was written by a newer synapse-upgrade (format ${data.format}; this one reads up to ${JOURNAL_FORMAT}). Nothing was changed and the file was left as it is.`,
      {
        exitCode: ExitCode.usage,
        nextStep: 'Use the newer synapse-upgrade that wrote it (synapse-upgrade --version shows this one).',
      },
    );
  }
  const problem = journalShapeProblem(data) ?? journalPathProblem(sessionDir, data as Journal);
  if (problem) {
    throw new AdminError(`The journal ${path} is damaged (${problem}). Nothing was changed and the file was left as it is.`, {
      exitCode: ExitCode.usage,
      nextStep: 'Restore it from a copy, or move it aside to start a new session (synapse-upgrade status then shows none).',
    });
  }
  const journal = data as Journal;
  return { ...journal, transcript: resolve(sessionDir, journal.transcript) };
}

const STATUSES = new Set(['pending', 'running', 'done', 'failed', 'skipped']);

/** What is wrong with a parsed journal, in a few words, or undefined when it has the shape this version writes. */
export function journalShapeProblem(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'not a JSON object';
  const j = data as Record<string, unknown>;
  if (typeof j.format !== 'number' || !Number.isInteger(j.format) || j.format < 1) return `"format" is ${JSON.stringify(j.format)}, not a format number`;
  for (const key of ['sessionId', 'startedAt', 'transcript'] as const) {
    if (typeof j[key] !== 'string') return `"${key}" is missing or not text`;
  }
  if (typeof j.dryRun !== 'boolean') return '"dryRun" is missing or not true/false';
  for (const key of ['from', 'to', 'outcome'] as const) {
    if (j[key] !== undefined && j[key] !== null && typeof j[key] !== 'string') return `"${key}" is not text`;
  }
  if (!Array.isArray(j.steps)) return '"steps" is not a list';
  for (const [index, step] of j.steps.entries()) {
    const s = step as Record<string, unknown> | null;
    if (typeof s !== 'object' || s === null || typeof s.id !== 'string' || typeof s.status !== 'string' || !STATUSES.has(s.status)) {
      return `step ${index + 1} has no valid "id" and "status"`;
    }
    const job = s.job as Record<string, unknown> | undefined;
    if (
      job !== undefined &&
      (typeof job !== 'object' || job === null || typeof job.dir !== 'string' || !/^jobs\/\d+$/.test(job.dir) || !Array.isArray(job.argv))
    ) {
      return `step "${s.id}" names a job that is not a jobs/NNNN folder`;
    }
  }
  if (j.events !== undefined && !Array.isArray(j.events)) return '"events" is not a list';
  if (j.serverDownAt !== undefined && (typeof j.serverDownAt !== 'string' || !Number.isFinite(Date.parse(j.serverDownAt))))
    return '"serverDownAt" is not a time';
  for (const key of ['from', 'to'] as const) {
    const version = j[key];
    if (typeof version === 'string' && !isJournalVersion(version))
      return `"${key}" is ${JSON.stringify(version.slice(0, 40))}${version.length > 40 ? '…' : ''}, not a Synapse version`;
  }
  const backup = j.backup as Record<string, unknown> | undefined;
  if (
    backup !== undefined &&
    (typeof backup !== 'object' ||
      backup === null ||
      typeof backup.path !== 'string' ||
      typeof backup.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(backup.sha256))
  ) {
    return '"backup" has no valid "path" and "sha256"';
  }
  if (backup !== undefined && typeof backup.version === 'string' && !isJournalVersion(backup.version)) return '"backup.version" is not a Synapse version';
  const fixes = j.configFixes as unknown;
  if (
    fixes !== undefined &&
    (!Array.isArray(fixes) ||
      !fixes.every(
        (w) =>
          typeof w === 'object' &&
          w !== null &&
          isAbsolute(String((w as Record<string, unknown>).path)) &&
          isAbsolute(String((w as Record<string, unknown>).backup)),
      ))
  ) {
    return '"configFixes" is not a list of absolute "path" and "backup"';
  }
  if (
    j.acceptedFixes !== undefined &&
    (!Array.isArray(j.acceptedFixes) || !j.acceptedFixes.every((id) => typeof id === 'string' && /^[a-z0-9-]{1,100}$/.test(id)))
  )
    return '"acceptedFixes" is not a list of note ids';
  return undefined;
}

/** A version as the wizard records it: plain characters, short, and one parseVersion understands. */
const isJournalVersion = (text: string): boolean => /^[0-9A-Za-z.+~-]{1,64}$/.test(text) && parseVersion(text) !== undefined;

/** The backup file names the wizard writes (`homeserver-1.47.0-20260101T120000Z.db`). */
const BACKUP_NAME = /^homeserver-[0-9A-Za-z.+~-]{1,64}-\d{8}T\d{6}Z\.(db|dump)$/;

/**
 * Paths a journal names must be ones the wizard writes: the transcript a plain file inside the session folder;
 * the backup an absolute, normalised path to a file named as the wizard names backups (it may live in a
 * `--backup-dir` outside the state folder; rollback checks that folder's owner and mode before using it).
 * A tampered journal must not make a root wizard append to, or restore from, a file of someone else's choosing.
 */
export function journalPathProblem(sessionDir: string, journal: Pick<Journal, 'transcript' | 'backup'>): string | undefined {
  const transcript = resolve(sessionDir, journal.transcript);
  const inside = relative(resolve(sessionDir), transcript);
  if (inside !== basename(transcript) || !/^(dry-run-)?transcript\.log$/.test(inside)) {
    return `"transcript" is ${JSON.stringify(journal.transcript)}, not transcript.log in ${sessionDir}`;
  }
  const path = journal.backup?.path;
  if (path !== undefined && (!isAbsolute(path) || resolve(path) !== path || !BACKUP_NAME.test(basename(path)))) {
    return `"backup.path" is ${JSON.stringify(path)}, not a backup file the wizard writes`;
  }
  return undefined;
}
