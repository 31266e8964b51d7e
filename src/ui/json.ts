import type { WizardEvent } from '../core/events.js';
import { exactJson } from '../core/screen-text.js';

/**
 * The JSON event stream: one object a line, with a timestamp. Field names are a contract (docs/json-events.md).
 * Values are exact (subscribe it with `exact`); no raw control character reaches the output (exactJson).
 */
export function createJsonRenderer(write: (line: string) => void): (event: WizardEvent) => void {
  return (event) => {
    const time = new Date().toISOString();
    if (event.type !== 'command.lines') return write(exactJson({ ...event, time }));
    // The lines of one read: one `command.output` object each, as the stream always had.
    for (const line of event.lines) write(exactJson({ type: 'command.output', id: event.id, line, time }));
  };
}
