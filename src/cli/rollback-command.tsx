import { render } from 'ink';
import { ExitCode, usageError } from '../core/errors.js';
import { runRollbackSession } from '../engine/rollback-session.js';
import { EventBus } from '../ui/event-bus.js';
import { App } from '../ui/ink/App.js';
import { createJsonRenderer } from '../ui/json.js';
import { createPlainRenderer } from '../ui/plain.js';
import { colorEnabled, isInteractive } from '../ui/terminal.js';
import type { CliOptions } from './args.js';
import type { CliIO } from './output.js';
import { wizardOptions } from './wizard-options.js';

/** `synapse-upgrade rollback`: the same renderers as the wizard (Ink, plain lines or JSON). */
export async function runRollbackCommand(opts: CliOptions, io: CliIO): Promise<number> {
  const interactive = isInteractive();
  if (!opts.yes && (!interactive || opts.json)) {
    throw usageError(
      opts.json ? '--json needs --yes: questions cannot be answered on a JSON stream.' : 'There is no terminal to ask questions on.',
      'Run it in a terminal, or pass --yes to roll back without questions.',
    );
  }
  const bus = new EventBus(opts.yes);
  const options = wizardOptions(opts);
  if (opts.json || !interactive) {
    bus.subscribe(opts.json ? createJsonRenderer(io.stdout) : createPlainRenderer(io.stdout));
    return (await runRollbackSession(options, { emit: bus.emit, ask: bus.ask })).exitCode;
  }
  const app = render(
    <App subscribe={(l) => bus.subscribe(l)} onAnswer={(id, v) => bus.answer(id, v)} onQuit={() => quit()} color={colorEnabled()} />,
    { exitOnCtrlC: false, patchConsole: false },
  );
  const quit = (): void => {
    app.unmount();
    io.stderr('Quit at your request. `synapse-upgrade status` shows where things stand.');
    process.exit(ExitCode.interrupted);
  };
  const result = await runRollbackSession(options, { emit: bus.emit, ask: bus.ask });
  await app.waitUntilExit();
  return result.exitCode;
}
