import { execFile } from 'node:child_process';
import type { ProbeResult } from './probe.js';

/**
 * probe.ts's readPython without execa: a Python run read-only and isolated (`-I`: no script folder or working
 * folder on sys.path, no PYTHON* variables, no user site), from `/`. Light to load, so the CLI can start the
 * virtualenv's probe before the command's own code has loaded (src/methods/venv-facts.ts). Never throws for a
 * failing command; a Python that cannot be started exits 127.
 */
export function readPythonLight(python: string, args: readonly string[], timeoutMs = 30_000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(python, ['-I', ...args], { cwd: '/', timeout: timeoutMs, maxBuffer: 4 << 20, encoding: 'utf8' }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : 127) : 0;
      resolve({ exitCode, stdout: String(stdout), stderr: String(stderr) || (error && exitCode === 127 ? error.message : '') });
    });
  });
}
