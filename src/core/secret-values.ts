/**
 * Config values that must never be shown: those under secret-like keys (client_secret, smtp_pass, macaroon_secret_key,
 * a JSON web key…), at any depth, and the password in a URL. Used wherever a value read from a config or a database
 * becomes text (note evidence), so every channel (screen, --json, the dry run, the plan script) gets it masked. Pure.
 */

export const MASK = '***';

/** Words that make a key secret: `client_secret`, `smtp_pass`, `bind_password`, `as_token`, `signing_key`, `jwk`… */
const SECRET_WORDS = new Set([
  'secret',
  'secrets',
  'password',
  'passwords',
  'passwd',
  'pass',
  'passphrase',
  'pwd',
  'token',
  'tokens',
  'key',
  'keys',
  'apikey',
  'jwk',
  'jwks',
  'pepper',
  'credential',
  'credentials',
  'dsn',
  'private',
  'privkey',
  'cookie',
  'salt',
  'signature',
]);
/** A last word that says the value names a file, a place or a duration, not the secret itself (`form_secret_path`). */
const NOT_THE_SECRET = new Set([
  'path',
  'file',
  'files',
  'dir',
  'uri',
  'url',
  'endpoint',
  'lifetime',
  'timeout',
  'interval',
  'validity',
  'method',
  'alg',
  'algorithm',
  'servers',
]);

/** The words of a key: `clientSecretJwtKey`, `client-secret.jwt_key` → client, secret, jwt, key. */
const words = (key: string): string[] =>
  key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

/** Whether a value under this key is (or holds) a secret. */
export function isSecretKey(key: string): boolean {
  const parts = words(key);
  if (!parts.some((w) => SECRET_WORDS.has(w))) return false;
  return !NOT_THE_SECRET.has(parts.at(-1) ?? '');
}

/** `scheme://user:password@host` → `scheme://user:***@host` (and a lone `token@host` user part masked whole). */
export function maskUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*)(?::([^\s/@]*))?@/gi, (_all, scheme: string, user: string, pass: string | undefined) =>
    pass === undefined ? `${scheme}${MASK}@` : `${scheme}${user}:${MASK}@`,
  );
}

/** Every scalar in `value` masked: what a secret-like key holds is secret whole. */
function maskAll(value: unknown, depth: number): unknown {
  if (depth > 64) return MASK;
  if (Array.isArray(value)) return value.map((item) => maskAll(item, depth + 1));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.keys(value).map((k) => [k, maskAll((value as Record<string, unknown>)[k], depth + 1)]));
  // true/false is never a secret (trust_identity_server_for_password_resets: true): shown as is.
  return value === null || value === undefined || typeof value === 'boolean' ? value : MASK;
}

/**
 * `value` as it may be shown, given the key it sits under (`ownKey`, when known): under a secret-like key every
 * scalar is masked; inside objects, the values of secret-like keys are masked at any depth; passwords in URLs are
 * masked in every string. The input is not changed.
 */
export function redactSecrets(value: unknown, ownKey?: string | number, depth = 0): unknown {
  if (typeof ownKey === 'string' && isSecretKey(ownKey)) return maskAll(value, depth);
  if (depth > 64) return MASK;
  if (typeof value === 'string') return maskUrlCredentials(value);
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, undefined, depth + 1));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).map((k) => [k, redactSecrets((value as Record<string, unknown>)[k], k, depth + 1)]));
  }
  return value;
}

/** The key a value found at `path` sits under: its last name (list indexes skipped, so `keys[0]` counts as `keys`). */
export const ownKeyOf = (path: readonly (string | number)[]): string | undefined => [...path].reverse().find((p): p is string => typeof p === 'string');
