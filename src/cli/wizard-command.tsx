import { render } from 'ink';
import { ExitCode, usageError } from '../core/errors.js';
import type { WizardOptions } from '../engine/context.js';
import { runWizard } from '../engine/wizard.js';
import { EventBus } from '../ui/event-bus.js';
import { App } from '../ui/ink/App.js';
import { createJsonRenderer } from '../ui/json.js';
import { createPlainRenderer } from '../ui/plain.js';
import { colorEnabled, isInteractive } from '../ui/terminal.js';
import type { CliOptions } from './args.js';
import { wizardOptions } from './wizard-options.js';
import type { CliIO } from './output.js';

/** The default command: picks the renderer (Ink, plain lines or JSON) and runs the wizard. */
export async function runWizardCommand(opts: CliOptions, io: CliIO): Promise<number> {
  const interactive = isInteractive();
  if (!opts.yes && (!interactive || opts.json)) {
    throw usageError(
      opts.json ? '--json needs --yes: questions cannot be answered on a JSON stream.' : 'There is no terminal to ask questions on.',
      'Run it in a terminal, or pass --yes to take the safe default at every question.',
    );
  }
  const bus = new EventBus(opts.yes);
  let sandbox: { stop(): Promise<void>; root: string } | undefined;
  const startDemo = async (): Promise<Partial<WizardOptions>> => {
    const { startDemoSandbox } = await import('../demo/sandbox.js');
    const demo = await startDemoSandbox(bus.emit);
    sandbox = demo.sandbox;
    return demo.options;
  };
  const stopDemo = async (): Promise<void> => {
    if (!sandbox) return;
    await sandbox.stop().catch(() => {});
    io.stderr(`The demo homeserver was stopped; its files stay in ${sandbox.root}.`);
  };
  const offerDemo = async (why: string): Promise<Partial<WizardOptions> | undefined> => {
    const answer = await bus.ask({
      id: 'demo',
      text: `${why} Try the wizard on a demo sandbox instead?`,
      choices: [
        { value: 'demo', label: 'Start a demo homeserver in a temporary folder and upgrade it' },
        { value: 'quit', label: 'Quit' },
      ],
    });
    return answer === 'demo' ? startDemo() : undefined;
  };
  let options = wizardOptions(opts);
  if (opts.demo) options = { ...options, ...(await startDemo()) };
  if (opts.json) {
    bus.subscribe(createJsonRenderer(io.stdout));
  } else if (!interactive) {
    bus.subscribe(createPlainRenderer(io.stdout));
  } else {
    const app = render(
      <App subscribe={(l) => bus.subscribe(l)} onAnswer={(id, v) => bus.answer(id, v)} onQuit={() => quit()} color={colorEnabled()} />,
      { exitOnCtrlC: false, patchConsole: false },
    );
    const quit = (): void => {
      app.unmount();
      io.stderr('Quit at your request. `synapse-upgrade status` shows where things stand.');
      process.exit(ExitCode.interrupted);
    };
    const result = await runWizard(options, { emit: bus.emit, ask: bus.ask, offerDemo });
    await app.waitUntilExit();
    await stopDemo();
    return result.exitCode;
  }
  const result = await runWizard(options, { emit: bus.emit, ask: bus.ask });
  await stopDemo();
  return result.exitCode;
}
