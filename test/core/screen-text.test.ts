import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capText, exactJson, screenText, screenValue, SHOWN_LIMITS, stripControls } from '../../src/core/screen-text.js';
import { parseServerVersionBody } from '../../src/core/server-version.js';

const ESC = '\x1b';
/** Sequences seen from hostile servers and logs: pane title (OSC 0/2, BEL and ST ends), colour, cursor moves, clear screen, hyperlinks, DCS, 8-bit CSI/OSC. */
const HOSTILE = [
  `${ESC}]0;pwned${'\x07'}`,
  `${ESC}]2;pwned${ESC}\\`,
  `${ESC}[31m`,
  `${ESC}[1;38;2;255;0;0m`,
  `${ESC}[2J`,
  `${ESC}[H`,
  `${ESC}[?1049h`,
  `${ESC}]8;;http://evil.example/${ESC}\\`,
  `${ESC}P+q544e${ESC}\\`,
  `${ESC}c`,
  `${ESC}(0`,
  '\x9b31m',
  '\x9d2;pwned\x07',
  '\r',
  '\b',
  '\x00',
  '\x7f',
  '\x85',
];

test('every escape sequence and control character is removed; tab, newline and the text around stay', () => {
  for (const seq of HOSTILE) {
    const out = stripControls(`before${seq}after\tx\ny`);
    assert.equal(out, 'beforeafter\tx\ny', JSON.stringify(seq));
  }
  const all = `A${HOSTILE.join('B')}C`;
  const clean = stripControls(all);
  assert.doesNotMatch(clean, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  assert.equal(clean, `A${'B'.repeat(HOSTILE.length - 1)}C`);
  assert.equal(stripControls('plain text — ünïcode ✔'), 'plain text — ünïcode ✔');
  // An OSC that never ends takes the rest with it, as a terminal would.
  assert.equal(stripControls(`ok ${ESC}]2;title never ended`), 'ok ');
});

test('lines are capped at 4 KiB, each on its own; a cut never splits a surrogate pair', () => {
  const long = 'x'.repeat(10_000);
  const out = screenText(`${long}\nshort\n${long}`);
  const lines = out.split('\n');
  assert.equal(lines.length, 3);
  assert.equal(lines[0]!.length, SHOWN_LIMITS.line);
  assert.ok(lines[0]!.endsWith('…'));
  assert.equal(lines[1], 'short');
  assert.equal(capText(`${'a'.repeat(9)}😀tail`, 11), `${'a'.repeat(9)}…`);
});

test('screenValue cleans every string at any depth and leaves other values alone', () => {
  const event = { type: 'waiting', elapsedMs: 5, logLines: [`${ESC}[31mred`], nested: { deep: [{ text: `${ESC}]0;t\x07hi` }] }, flag: true, none: null };
  assert.deepEqual(screenValue(event), { type: 'waiting', elapsedMs: 5, logLines: ['red'], nested: { deep: [{ text: 'hi' }] }, flag: true, none: null });
});

test('exactJson keeps every value exact but writes no raw control character', () => {
  const value = { text: `a${ESC}]2;x\x07b\x9bc\u2028d` };
  const json = exactJson(value);
  assert.doesNotMatch(json, /[\x00-\x1f\x7f-\x9f\u2028\u2029]/);
  assert.deepEqual(JSON.parse(json), value);
  assert.equal(JSON.parse(exactJson(value, 2)).text, value.text);
});

test('the version endpoint: the version string is cut at 64 characters, an error body quoted at most 200', () => {
  const raw = `1.47.0 (${'b'.repeat(150)})`;
  const answer = parseServerVersionBody(200, 'application/json', JSON.stringify({ server_version: raw, python_version: '3'.repeat(300) }));
  assert.equal(answer.version, '1.47.0');
  assert.equal(answer.raw.length, SHOWN_LIMITS.version);
  assert.ok(raw.startsWith(answer.raw.slice(0, -1)));
  assert.equal(answer.python?.length, SHOWN_LIMITS.version);
  const error = (() => {
    try {
      parseServerVersionBody(500, 'text/html', `<h1>${'z'.repeat(5_000_000)}</h1>`);
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  })();
  const quoted = /\("(.*)"\)/.exec(error)?.[1] ?? '';
  assert.equal(quoted.length, SHOWN_LIMITS.snippet);
  assert.ok(error.length < 300, error.slice(0, 300));
  assert.throws(
    () => parseServerVersionBody(200, 'application/json', JSON.stringify({ server_version: `x${'9'.repeat(1000)}` })),
    (e: Error) => e.message.length < 150,
  );
});
