import { isSecretKey, MASK, maskUrlCredentials } from '../secret-values.js';

/** Every text or number held under a secret-like key (src/core/secret-values.ts), at any depth. Pure. */
export function secretStrings(value: unknown, under = false, out: Set<string> = new Set(), depth = 0): Set<string> {
  if (depth > 64) return out;
  if (Array.isArray(value)) value.forEach((item) => secretStrings(item, under, out, depth + 1));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) secretStrings(item, under || isSecretKey(key), out, depth + 1);
  } else if (under && (typeof value === 'string' || typeof value === 'number') && String(value) !== '') out.add(String(value));
  return out;
}

/** A line of YAML text as it may be shown: the secrets of the file masked, and passwords in URLs. */
export function maskLine(line: string, secrets: ReadonlySet<string>): string {
  // `key: value` under a secret-like key: the value goes whatever it is.
  const pair = /^(\s*(?:-\s+)?["']?([A-Za-z0-9_.@-]+)["']?\s*:\s+)(\S.*)$/.exec(line);
  let out = pair && isSecretKey(pair[2] ?? '') && !/^[|>]/.test(pair[3] ?? '') ? `${pair[1]}${MASK}` : line;
  // Control characters from the file (escape sequences) never reach the terminal.
  out = [...out].map((c) => ((c < ' ' && c !== '\t') || c === '\u007f' ? '?' : c)).join('');
  // Longest first, so a secret that contains another is masked whole.
  for (const secret of [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)) out = out.split(secret).join(MASK);
  return maskUrlCredentials(out);
}
