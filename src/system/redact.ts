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

/** Quote one argument for showing or for a POSIX sh script. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
