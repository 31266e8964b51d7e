import type { WizardEvent } from '../core/events.js';
import { TAIL_LIMIT } from '../core/session.js';

/**
 * The events waiting for the screen's next draw. A run of output lines keeps only what the tail can show
 * (the transcript has every line): a flood between two draws then holds a few hundred events, not all of them.
 * `take()` hands over what `reduceEvents` would fold into the same view as the full run.
 */
export class EventQueue {
  private events: WizardEvent[] = [];
  /** Where the trailing run of `command.output` events begins, or -1. */
  private runStart = -1;

  get length(): number {
    return this.events.length;
  }

  push(event: WizardEvent): void {
    if (event.type !== 'command.output') {
      this.runStart = -1;
      this.events.push(event);
      return;
    }
    if (this.runStart < 0) this.runStart = this.events.length;
    this.events.push(event);
    // Dropped in blocks, so a line costs O(1) however long the run.
    if (this.events.length - this.runStart >= 2 * TAIL_LIMIT) this.events.splice(this.runStart, TAIL_LIMIT);
  }

  take(): WizardEvent[] {
    const events = this.events;
    this.events = [];
    this.runStart = -1;
    return events;
  }
}
