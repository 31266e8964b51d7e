import { ExitCode } from '../core/errors.js';
import { recordedUpgrade } from '../engine/recorded.js';
import { runRollbackSession } from '../engine/rollback-session.js';
import { resolveStateRoot } from '../system/state-dir.js';
import { EventBus } from '../ui/event-bus.js';
import { isInteractive } from '../ui/terminal.js';
import type { CliOptions } from './args.js';
import type { CliIO } from './output.js';
import { ensureAnswerable } from './answerable.js';
import { showSession } from './show-session.js';
import { wizardOptions } from './wizard-options.js';

/** `synapse-upgrade rollback`: the same renderers as the wizard (Ink, plain lines or JSON). */
export async function runRollbackCommand(opts: CliOptions, io: CliIO): Promise<number> {
  const interactive = isInteractive();
  ensureAnswerable(opts, interactive, 'roll back without questions');
  // Without --venv/--config: the homeserver the recorded upgrade was on, never a fresh guess.
  const recorded = opts.venv || opts.configPaths.length ? undefined : await recordedUpgrade(resolveStateRoot(opts.stateDir));
  const bus = new EventBus(opts.yes);
  const onQuit = (): void => {
    io.stderr('Quit at your request. `synapse-upgrade status` shows where things stand.');
    process.exit(ExitCode.interrupted);
  };
  const screen = showSession(bus, { json: opts.json, interactive, onQuit }, io);
  const result = await runRollbackSession({ ...wizardOptions(opts), ...recorded }, { emit: bus.emit, ask: bus.ask });
  await screen.closed();
  return result.exitCode;
}
