import type { WizardEvent } from '../core/events.js';
import { exactJson } from '../core/screen-text.js';

/**
 * The JSON event stream: one object a line, with a timestamp. Field names are a contract (docs/json-events.md).
 * Values are exact (subscribe it with `exact`); no raw control character reaches the output (exactJson).
 */
export function createJsonRenderer(write: (line: string) => void): (event: WizardEvent) => void {
  return (event) => write(exactJson({ ...event, time: new Date().toISOString() }));
}
