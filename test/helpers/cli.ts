import { execa } from 'execa';
import { devNull } from 'node:os';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/synapse-upgrade.mjs', import.meta.url));
/** The tsc build's CLI: it has the test hooks the single file (which BIN prefers) is built without. */
export const DEV_BIN = fileURLToPath(new URL('./dev-cli.mjs', import.meta.url));
/** BIN, or DEV_BIN when the environment sets a test hook (SYNAPSE_UPGRADE_TEST_…). */
export const binFor = (env: Record<string, string | undefined>): string =>
  Object.keys(env).some((key) => key.startsWith('SYNAPSE_UPGRADE_TEST_')) ? DEV_BIN : BIN;

/** The environment a test gives the wizard: pip sees only the stand-in wheelhouse, state in a temp folder. */
export function wizardEnv(wheelhouse: string, stateDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('PIP_') && key !== 'CI') env[key] = value;
  }
  return { ...env, PIP_CONFIG_FILE: devNull, PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheelhouse, SYNAPSE_UPGRADE_STATE_DIR: stateDir, ...extra };
}

/** Runs the built CLI (bin → dist) without a terminal, as a fleet tool or a pipe would. */
export async function runCli(args: string[], env: Record<string, string>, timeoutMs = 120_000) {
  const result = await execa(process.execPath, [binFor(env), ...args], { env, extendEnv: false, reject: false, timeout: timeoutMs, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}
