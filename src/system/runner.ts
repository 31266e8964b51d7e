import { userInfo } from 'node:os';
import { execa } from 'execa';
import type { Emit } from '../core/events.js';
import type { CommandResult, CommandSpec } from './command.js';
import { displayArgv, displayEnv } from './redact.js';
import type { Transcript } from './transcript.js';

const TAIL_LINES = 40;

const currentUser = (): string => {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
};

export interface Runner {
  readonly dryRun: boolean;
  /** Runs a command that changes the system (or, in a dry run, shows it and runs nothing). */
  run(spec: CommandSpec, onLine?: (line: string) => void): Promise<CommandResult>;
}

/**
 * The one place that spawns processes which change the system. It honours dry-run,
 * writes every command and all its output to the transcript, and streams lines as events.
 */
export function createRunner(opts: { dryRun: boolean; transcript: Transcript; emit: Emit }): Runner {
  let nextId = 1;
  const { transcript, emit } = opts;

  return {
    dryRun: opts.dryRun,
    async run(spec, onLine) {
      const id = nextId++;
      const argv = displayArgv(spec);
      const env = displayEnv(spec);
      const envNames = Object.keys(env);
      emit({ type: 'command.started', id, argv, cwd: spec.cwd, title: spec.title, dryRun: opts.dryRun, user: currentUser(), envNames, env });
      transcript.write(`=== ${new Date().toISOString()} ${opts.dryRun ? 'DRY RUN (not run) ' : ''}$ ${JSON.stringify(argv)}`);
      transcript.write(`    cwd=${spec.cwd ?? process.cwd()}${envNames.length ? ` env=${envNames.join(',')}` : ''}`);
      if (opts.dryRun) {
        emit({ type: 'command.finished', id, exitCode: 0, durationMs: 0 });
        return { exitCode: 0, durationMs: 0, tail: [] };
      }
      const started = performance.now();
      const tail: string[] = [];
      const [file, ...args] = spec.argv;
      if (!file) throw new Error('empty command');
      const child = execa(file, args, {
        cwd: spec.cwd,
        env: spec.env ? { ...spec.env } : {},
        extendEnv: true,
        stdin: 'ignore',
        all: true,
        buffer: false,
        reject: false,
        stripFinalNewline: false,
      });
      for await (const line of child.iterable({ from: 'all' })) {
        const text = String(line);
        transcript.write(`  | ${text}`);
        tail.push(text);
        if (tail.length > TAIL_LINES) tail.shift();
        onLine?.(text);
        emit({ type: 'command.output', id, line: text });
      }
      const result = await child;
      const exitCode = result.exitCode ?? (result.signal ? 128 : 1);
      const durationMs = Math.round(performance.now() - started);
      const failure = result.failed && result.exitCode === undefined ? ` (${result.shortMessage})` : '';
      transcript.write(`=== exit ${exitCode} after ${durationMs} ms${failure}`);
      emit({ type: 'command.finished', id, exitCode, durationMs });
      if (failure && result.shortMessage) tail.push(result.shortMessage);
      return { exitCode, durationMs, tail };
    },
  };
}
