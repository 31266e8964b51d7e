import { readFileSync } from 'node:fs';

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself hold spaces or parentheses.
    return stat
      .slice(stat.lastIndexOf(')') + 2)
      .trim()
      .split(/\s+/);
  } catch {
    return undefined;
  }
}

/** The start time of `pid`, or undefined when there is no such process or no /proc. */
export function processStart(pid: number): string | undefined {
  return statFields(pid)?.[19]; // field 22 overall: fields after the name start at 3
}

/**
 * True while the process exists, is not a zombie, and (when known) started when it was recorded to: a process is
 * recognised by its pid plus its start time (clock ticks since boot, field 22 of /proc/PID/stat), so a pid the
 * kernel has since given to another process is not mistaken for it. Without a start time only the pid is compared.
 */
export function isSameProcessAlive(id: { pid: number; start?: string | undefined }): boolean {
  if (!Number.isInteger(id.pid) || id.pid <= 0) return false;
  try {
    process.kill(id.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const fields = statFields(id.pid);
  if (!fields) return true; // no /proc: kill(0) is all there is
  if (fields[0] === 'Z' || fields[0] === 'X') return false;
  return id.start === undefined || fields[19] === id.start;
}
