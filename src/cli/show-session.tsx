import { render } from 'ink';
import type { EventBus } from '../ui/event-bus.js';
import { App } from '../ui/ink/App.js';
import { createJsonRenderer } from '../ui/json.js';
import { createPlainRenderer } from '../ui/plain.js';
import { eraseFirstFrame } from '../ui/first-frame.js';
import { colorEnabled } from '../ui/terminal.js';
import type { StepId } from '../core/steps.js';
import type { CliOptions } from './args.js';
import type { CliIO } from './output.js';

/**
 * Shows a session's events: JSON lines (--json), plain lines (no terminal) or the Ink screen, whose
 * answers go back through the bus. Returns a promise that settles when the screen has closed.
 */
export function showSession(
  bus: EventBus,
  opts: Pick<CliOptions, 'json'> & {
    interactive: boolean;
    onQuit: (how?: 'leave' | 'stop') => void;
    onHold?: (held: boolean) => void;
    /** The screen draws these steps at once (the JSON and plain renderers wait for the session's events). */
    initialSteps?: { id: StepId; title: string }[];
    /** Lines of a first frame already on the terminal (src/ui/first-frame.ts): Ink's first frame takes their place. */
    firstFrameLines?: number;
  },
  io: CliIO,
): { closed: () => Promise<void> } {
  const { onQuit, onHold, initialSteps } = opts;
  if (opts.json || !opts.interactive) {
    if (opts.json) bus.subscribe(createJsonRenderer(io.stdout), { exact: true });
    else bus.subscribe(createPlainRenderer(io.stdout));
    return { closed: async () => {} };
  }
  if (opts.firstFrameLines) process.stdout.write(eraseFirstFrame(opts.firstFrameLines));
  const app = render(
    <App
      subscribe={(l) => bus.subscribe(l)}
      onAnswer={(id, v) => bus.answer(id, v)}
      onQuit={onQuit}
      {...(onHold ? { onHold } : {})}
      {...(initialSteps ? { initialSteps } : {})}
      color={colorEnabled()}
    />,
    { exitOnCtrlC: false, patchConsole: false },
  );
  return {
    closed: async () => {
      await app.waitUntilExit();
    },
  };
}
