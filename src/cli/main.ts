import { join, resolve } from 'node:path';
import { describeError, ExitCode, type AdminError } from '../core/errors.js';
import { prefetchVenvFacts } from '../methods/venv-facts.js';
import { parseCli } from './args.js';
import { COMMAND_HELP, USAGE } from './help.js';
import { processIO, terminalSafe, type CliIO } from './output.js';
import { VERSION } from './version.js';

/** The thin entry: parse, dispatch, turn any error into its sentence and exit code. */
export async function main(argv: readonly string[], rawIO: CliIO = processIO): Promise<number> {
  const io = terminalSafe(rawIO);
  // Hidden: the supervisor of one detached command (src/system/supervisor.ts), started by the runner.
  if (argv[0] === '__supervise') return (await import('../system/supervisor.js')).supervise(argv[1]);
  // Hidden: a supervisor started ahead of its job, which comes on stdin. A command of its own, so that a build
  // without it (a stale bundle beside newer sources) refuses it rather than taking stdin for a job folder.
  if (argv[0] === '__supervise-next') return (await import('../system/supervisor.js')).supervise('-');
  try {
    const opts = parseCli(argv);
    if (opts.version) {
      io.stdout(VERSION);
      return ExitCode.ok;
    }
    if (opts.help && opts.command !== 'notes') {
      io.stdout(COMMAND_HELP[opts.command] ?? USAGE);
      return ExitCode.ok;
    }
    // The virtualenv's Python probe is the slowest read of detection: started now, it runs while the command loads.
    if (opts.venv && opts.command !== 'notes' && opts.command !== 'status') prefetchVenvFacts(join(resolve(opts.venv), 'bin', 'python'));
    switch (opts.command) {
      case 'detect':
        return await (await import('./detect-command.js')).runDetect(opts, io);
      case 'status':
        return await (await import('./status-command.js')).runStatus(opts, io);
      case 'rollback':
        return await (await import('./rollback-command.js')).runRollbackCommand(opts, io);
      case 'plan':
        return await (await import('./plan-command.js')).runPlan(opts, io);
      case 'notes':
        return await (await import('./notes-command.js')).runNotesCommand(opts.rest, io);
      case 'resume':
      default:
        return await (await import('./wizard-command.js')).runWizardCommand(opts, io);
    }
  } catch (error) {
    io.stderr(describeError(error).join('\n'));
    return (error as AdminError).exitCode ?? ExitCode.failed;
  }
}
