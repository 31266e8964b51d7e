/**
 * Outside text (the version endpoint, HTTP error bodies, homeserver.log, command output) made safe to draw on a
 * terminal: no escape sequence, no control character but tab and newline, no line longer than a cap. Pure.
 */

/** What is shown at most: a version string, a quoted snippet of an error body, one line of any text. */
export const SHOWN_LIMITS = { version: 64, snippet: 200, line: 4096 } as const;

// ESC [ … final (CSI); ESC ] … BEL or ST (OSC); ESC P/X/^/_ … ST (DCS, SOS, PM, APC); ESC + intermediates + final;
// the same introduced by their 8-bit C1 forms (CSI 0x9b, OSC 0x9d, DCS 0x90, SOS 0x98, PM 0x9e, APC 0x9f).
// An unterminated string sequence runs to the end of the text: it is removed whole.
const SEQUENCE = new RegExp(
  [
    '(?:\\x1b\\[|\\x9b)[\\x30-\\x3f]*[\\x20-\\x2f]*[\\x40-\\x7e]?',
    '(?:\\x1b[\\]PX^_]|[\\x9d\\x90\\x98\\x9e\\x9f])[^\\x07\\x1b\\x9c]*(?:\\x07|\\x9c|\\x1b\\\\)?',
    '\\x1b[\\x20-\\x2f]*[\\x30-\\x7e]?',
  ].join('|'),
  'g',
);
// C0 but tab and newline, DEL, C1.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** Cuts `text` to `max` UTF-16 units (never inside a surrogate pair), marking the cut with `…`. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** Escape sequences and control characters (but tab and newline) removed. */
export function stripControls(text: string): string {
  if (!/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(text)) return text;
  return text.replace(SEQUENCE, '').replace(CONTROL, '');
}

/** Terminal-safe: controls stripped, each line cut at `maxLine` characters. */
export function screenText(text: string, maxLine: number = SHOWN_LIMITS.line): string {
  const clean = stripControls(text);
  if (clean.length <= maxLine) return clean;
  return clean
    .split('\n')
    .map((line) => capText(line, maxLine))
    .join('\n');
}

/** Every string inside `value` (objects and arrays, at any depth) made terminal-safe; other values as they are. */
export function screenValue<T>(value: T, maxLine: number = SHOWN_LIMITS.line): T {
  if (typeof value === 'string') return screenText(value, maxLine) as T;
  if (Array.isArray(value)) return value.map((item) => screenValue(item, maxLine)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [screenText(k, maxLine), screenValue(v, maxLine)])) as T;
  }
  return value;
}

/**
 * JSON whose values are exact but whose text holds no raw control character: JSON.stringify escapes C0 itself;
 * DEL, C1 and the line/paragraph separators are written as \uXXXX too, so a terminal showing it acts on nothing.
 */
export function exactJson(value: unknown, space?: number): string {
  return (JSON.stringify(value, null, space) ?? 'null').replace(/[\x7f-\x9f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
