import type { CommandSpec } from './command.js';

/** The argv as it may be shown anywhere: values of secret env names never appear. */
export function displayArgv(spec: CommandSpec): string[] {
  const secrets = (spec.secretEnv ?? []).map((name) => spec.env?.[name]).filter((v): v is string => !!v);
  return spec.argv.map((arg) => secrets.reduce((text, secret) => text.split(secret).join('***'), arg));
}

/** Env for display: names kept, secret values masked. */
export function displayEnv(spec: CommandSpec): Record<string, string> {
  const secret = new Set(spec.secretEnv ?? []);
  return Object.fromEntries(Object.entries(spec.env ?? {}).map(([k, v]) => [k, secret.has(k) ? '***' : v]));
}

/** Quoting is pure and lives in core (the plan script uses it too). */
export { shellQuote } from '../core/shell-quote.js';
