// Reads the argv (/proc/PID/cmdline) of every process descended from this test, over and over while a
// scenario runs, to prove a secret never appears in one: a password in argv is readable by every user of the
// machine. The descendants are the wizard and every command it runs, and the scenario's pid namespace with
// the daemons it adopted (its holder is this test's child). Walking that tree instead of all of /proc keeps a
// sample to a few milliseconds on a busy machine, so short commands (pg_dump, psql) are seen. The sampler
// keeps the names of the programs it saw, so a test shows it looked while those commands ran.
import { readFileSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';

export interface ArgvSampler {
  /** Stops sampling: argv lines that held a secret (none is the wanted answer), the sample count, programs seen. */
  stop(): Promise<{ hits: string[]; samples: number; programs: Set<string> }>;
}

function children(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

function descendants(root: number): number[] {
  const out: number[] = [];
  const queue = children(root);
  while (queue.length) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...children(pid));
  }
  return out;
}

export function sampleArgv(secrets: readonly string[], everyMs = 5): ArgvSampler {
  const hits: string[] = [];
  const programs = new Set<string>();
  let samples = 0;
  const once = (): void => {
    for (const pid of descendants(process.pid)) {
      let argv: string[];
      try {
        argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean);
      } catch {
        continue; // gone meanwhile
      }
      for (const arg of argv.slice(0, 3)) programs.add(basename(arg));
      const line = argv.join(' ');
      if (secrets.some((s) => line.includes(s))) hits.push(`pid ${pid}: ${line}`);
    }
    samples += 1;
  };
  const timer = setInterval(once, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      once();
      return { hits, samples, programs };
    },
  };
}
