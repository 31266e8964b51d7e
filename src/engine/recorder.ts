import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { InstallSummary, Outcome } from '../core/events.js';
import type { StepId, StepStatus } from '../core/steps.js';
import type { BackupRecord } from '../system/backup.js';
import { JOURNAL_FORMAT, writeJournal, type Journal, type JournalStep } from '../system/journal.js';

/**
 * Keeps the journal of one session up to date: written before a step starts (with its exact
 * command) and after it ends. A dry run keeps its journal in memory only.
 */
export class SessionRecorder {
  readonly journal: Journal;

  constructor(
    readonly sessionDir: string,
    readonly dryRun: boolean,
    install: InstallSummary,
  ) {
    const now = new Date().toISOString();
    this.journal = {
      format: JOURNAL_FORMAT,
      sessionId: randomUUID(),
      startedAt: now,
      updatedAt: now,
      dryRun,
      install,
      from: install.installedVersion,
      to: undefined,
      steps: [],
      acknowledgedNotes: [],
      outcome: undefined,
      transcript: join(sessionDir, dryRun ? 'dry-run-transcript.log' : 'transcript.log'),
    };
  }

  async setTarget(to: string): Promise<void> {
    this.journal.to = to;
    await this.save();
  }

  async setNotes(acknowledged: string[]): Promise<void> {
    this.journal.acknowledgedNotes = acknowledged;
    await this.save();
  }

  async setBackup(backup: BackupRecord): Promise<void> {
    this.journal.backup = backup;
    await this.save();
  }

  async step(id: StepId, status: StepStatus, extra: Partial<JournalStep> = {}): Promise<void> {
    const now = new Date().toISOString();
    const existing = this.journal.steps.find((s) => s.id === id);
    const timing = status === 'running' ? { startedAt: now } : { endedAt: now };
    if (existing) Object.assign(existing, { status, ...timing, ...extra });
    else this.journal.steps.push({ id, status, ...timing, ...extra });
    await this.save();
  }

  async finish(outcome: Outcome): Promise<void> {
    this.journal.outcome = outcome;
    await this.save();
  }

  private async save(): Promise<void> {
    if (!this.dryRun) await writeJournal(this.sessionDir, this.journal);
  }
}
