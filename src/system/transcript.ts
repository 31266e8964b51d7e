import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { AdminError, ExitCode } from '../core/errors.js';
import { openAppendNoFollow, openProblem } from './no-follow.js';

/**
 * The append-only record of every command: argv, cwd, exit code, duration and all output.
 * Lines are gathered into large writes, so a flood of output costs little; `flush()` waits until everything
 * written so far has reached the file (the runner calls it before starting a command).
 */
export interface Transcript {
  path: string;
  /** Appends a line (or several joined by `\n`) and a newline. */
  write(line: string): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function openTranscript(path: string): Transcript {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    // Never through a link, never into a FIFO or a device planted under its name.
    fd = openAppendNoFollow(path);
  } catch (error) {
    throw new AdminError(`The transcript ${openProblem(path, error)}.`, {
      exitCode: ExitCode.usage,
      serverState: 'nothing was changed',
      nextStep: 'Remove it (the wizard makes a new one), or choose another state folder with --state-dir.',
    });
  }
  const stream: WriteStream = createWriteStream('', { fd });
  // A full or failing disk must not crash the wizard from a stream event; the journal write reports it.
  let failed: Error | undefined;
  stream.on('error', (error) => {
    failed = error;
  });
  // Lines are gathered into one write per 64 KiB or per turn of the event loop: a flood of
  // output then costs a few hundred writes, not one per line.
  let pending: string[] = [];
  let pendingBytes = 0;
  let scheduled = false;
  const writePending = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const chunk = pending.join('');
    pending = [];
    pendingBytes = 0;
    if (!failed && !stream.destroyed) stream.write(chunk);
  };
  return {
    path,
    write: (line) => {
      pending.push(`${line}\n`);
      pendingBytes += line.length + 1;
      if (pendingBytes >= 64 * 1024) writePending();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(writePending);
      }
    },
    flush: () =>
      new Promise((resolve) => {
        writePending();
        if (failed || stream.destroyed) return resolve();
        stream.write('', () => resolve());
      }),
    close: () =>
      new Promise((resolve) => {
        writePending();
        if (failed || stream.destroyed) resolve();
        else stream.end(resolve);
      }),
  };
}
