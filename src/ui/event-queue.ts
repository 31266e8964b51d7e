import type { WizardEvent } from '../core/events.js';
import { TAIL_LIMIT } from '../core/session.js';

/**
 * The events waiting for the screen's next draw. A run of output (`command.output` lines, `command.lines` reads)
 * keeps only what the tail can show (the transcript has every line): a flood between two draws then holds a
 * few hundred lines, not all of them. `take()` hands over what `reduceEvents` would fold into the same view as
 * the full run.
 */
export class EventQueue {
  private events: WizardEvent[] = [];
  /** Where the trailing run of output events begins, or -1; how many lines it holds. */
  private runStart = -1;
  private runLines = 0;

  get length(): number {
    return this.events.length;
  }

  push(event: WizardEvent): void {
    if (event.type !== 'command.output' && event.type !== 'command.lines') {
      this.runStart = -1;
      this.events.push(event);
      return;
    }
    if (this.runStart < 0) {
      this.runStart = this.events.length;
      this.runLines = 0;
    }
    this.events.push(event);
    this.runLines += event.type === 'command.output' ? 1 : event.lines.length;
    // Folded in blocks, so a line costs O(1) however long the run: the run becomes its last TAIL_LIMIT lines.
    if (this.runLines >= 2 * TAIL_LIMIT) {
      const run = this.events.splice(this.runStart);
      const lines: string[] = [];
      for (let i = run.length - 1; i >= 0 && lines.length < TAIL_LIMIT; i--) {
        const e = run[i]!;
        if (e.type === 'command.output') lines.push(e.line);
        else if (e.type === 'command.lines') for (let j = e.lines.length - 1; j >= 0 && lines.length < TAIL_LIMIT; j--) lines.push(e.lines[j]!);
      }
      lines.reverse();
      this.events.push({ type: 'command.lines', id: (run.at(-1) as { id: number }).id, lines });
      this.runLines = lines.length;
    }
  }

  take(): WizardEvent[] {
    const events = this.events;
    this.events = [];
    this.runStart = -1;
    return events;
  }
}
