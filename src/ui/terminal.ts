/** Whether the Ink screen can run: both ends a terminal with a size, not CI, not a dumb terminal. */
export function isInteractive(
  env: NodeJS.ProcessEnv = process.env,
  stdin: { isTTY?: boolean } = process.stdin,
  stdout: { isTTY?: boolean; columns?: number; rows?: number } = process.stdout,
): boolean {
  const ci = ['CI', 'CONTINUOUS_INTEGRATION'].some((k) => k in env && env[k] !== '0' && env[k] !== 'false');
  return stdin.isTTY === true && stdout.isTTY === true && !ci && env.TERM !== 'dumb' && Boolean(stdout.columns) && Boolean(stdout.rows);
}

/** NO_COLOR (https://no-color.org): any non-empty value turns colour off. */
export const colorEnabled = (env: NodeJS.ProcessEnv = process.env): boolean => !env.NO_COLOR;
