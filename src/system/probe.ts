import { execa } from 'execa';

export interface ProbeResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a read-only command (a version query, an index query). Never used for anything that
 * changes the system: that is the runner's job. Never throws for a failing command.
 */
export async function readOnly(
  argv: readonly string[],
  opts: { cwd?: string; timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ProbeResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('empty command');
  const result = await execa(file, args, {
    cwd: opts.cwd,
    ...(opts.env ? { env: opts.env, extendEnv: false } : {}),
    reject: false,
    timeout: opts.timeoutMs ?? 60_000,
    ...(opts.input === undefined ? { stdin: 'ignore' as const } : { input: opts.input }),
  });
  const failure = result.exitCode === undefined ? (result.shortMessage ?? 'could not run') : '';
  return { exitCode: result.exitCode ?? 127, stdout: String(result.stdout ?? ''), stderr: failure || String(result.stderr ?? '') };
}

/**
 * Runs the homeserver's own Python read-only, isolated: `-I` (no script folder or working folder on
 * sys.path, no PYTHON* variables, no user site) from `/`. Run from inside a checkout, a plain
 * `python -c` would find the tree's `matrix_synapse.egg-info` before the venv's dist-info.
 */
export function readPython(
  python: string,
  args: readonly string[],
  opts: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ProbeResult> {
  return readOnly([python, '-I', ...args], { ...opts, cwd: '/' });
}
