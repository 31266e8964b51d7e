import type { WizardEvent } from '../core/events.js';

/** The JSON event stream: one object a line, with a timestamp. Field names are a contract (docs/json-events.md). */
export function createJsonRenderer(write: (line: string) => void): (event: WizardEvent) => void {
  return (event) => write(JSON.stringify({ ...event, time: new Date().toISOString() }));
}
