import type { Emit } from '../core/events.js';
import { stepTitle, type StepId } from '../core/steps.js';
import type { CommandSpec } from '../system/command.js';
import { displayArgv } from '../system/redact.js';
import type { SessionRecorder } from './recorder.js';

/** Step bookkeeping shared by the flow: events for the screen, the journal for resume. */
export class StepTracker {
  current: StepId | undefined;
  recorder: SessionRecorder | undefined;

  /** `gate`: awaited before each step starts (held while the admin is asked whether to quit). */
  constructor(
    private readonly emit: Emit,
    private readonly gate?: () => Promise<void>,
  ) {}

  /** Tells the screen which steps a flow goes through, in order (the upgrade's; a rollback's joins after them). */
  announce(ids: readonly StepId[]): void {
    this.emit({ type: 'steps', steps: ids.map((id) => ({ id, title: stepTitle(id) })) });
  }

  async start(id: StepId, command?: CommandSpec): Promise<void> {
    await this.gate?.();
    this.current = id;
    this.emit({ type: 'step.started', step: id, title: stepTitle(id) });
    await this.recorder?.step(id, 'running', command ? { command: displayArgv(command) } : {});
  }

  async done(id: StepId, summary?: string, extra: { exitCode?: number } = {}): Promise<void> {
    this.emit({ type: 'step.finished', step: id, status: 'done', ...(summary ? { summary } : {}) });
    await this.recorder?.step(id, 'done', { ...(summary ? { summary } : {}), ...extra });
    this.current = undefined;
  }

  async skip(id: StepId, summary: string): Promise<void> {
    this.emit({ type: 'step.finished', step: id, status: 'skipped', summary });
    await this.recorder?.step(id, 'skipped', { summary });
    if (this.current === id) this.current = undefined;
  }

  async fail(summary: string): Promise<void> {
    if (!this.current) return;
    this.emit({ type: 'step.finished', step: this.current, status: 'failed', summary });
    await this.recorder?.step(this.current, 'failed', { summary }).catch(() => {});
  }
}
