import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { styledCharsFromTokens, styledCharsToString, tokenize } from '@alcalzone/ansi-tokenize';
import { execa } from 'execa';
import { eastAsianWidth } from 'get-east-asian-width';
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';
// @ts-expect-error: a plain ES module of the build scripts, without types
import { CharacterSegments, simpleSegmenter, simpleWidth } from '../../scripts/simple-text.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const width = (text: string, wide = false): number | undefined => simpleWidth(text, wide, eastAsianWidth) as number | undefined;
type Segment = { segment: string; index: number; input: string };
type Segments = Iterable<Segment> & { containing(index?: number): Segment | undefined };
const shim = simpleSegmenter({ granularity: 'grapheme' }) as { segment(text: string): Segments };
const real = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const plain = (segments: Iterable<Segment>) => [...segments].map(({ segment, index, input }) => ({ segment, index, input }));
const hex = (c: string) => `U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

const bmp = Array.from({ length: 0x10000 }, (_, cp) => String.fromCharCode(cp)).filter((c) => c < '\ud800' || c > '\udfff');
/** Every BMP character the short way measures. */
const measured = bmp.filter((c) => width(c) !== undefined);
/** Every BMP character the short way cuts into graphemes. */
const cut = bmp.filter((c) => shim.segment(c) instanceof CharacterSegments);

test('every character the short way measures has string-width’s width, alone, doubled and between letters, narrow and wide', () => {
  assert.ok(measured.length > 30_000, `${measured.length} characters`); // Latin, Greek, Cyrillic, symbols, CJK, Hangul
  for (const c of measured)
    for (const wide of [false, true]) {
      const options = { ambiguousIsNarrow: !wide };
      for (const text of [c, c + c, `a${c}é`]) assert.equal(width(text, wide), stringWidth(text, options), `${hex(c)} in ${JSON.stringify(text)}`);
    }
});

test('every character the short way cuts into graphemes is cut as Intl.Segmenter cuts it, next to letters, itself and escapes', () => {
  assert.ok(cut.length > measured.length, `${cut.length} characters`); // the measured ones and the controls but CR
  assert.ok(!cut.includes('\r') && cut.includes('\n') && cut.includes('\u001b'));
  for (const c of cut)
    for (const text of [c, c + c, `a${c}a`, `\u001b[1m${c}\u001b[22m`, `${c}\n${c}`]) {
      assert.deepEqual(plain(shim.segment(text)), plain(real.segment(text)), `${hex(c)} in ${JSON.stringify(text)}`);
    }
  for (const c of cut) {
    const [ours, theirs] = [shim.segment(`a${c}a`), real.segment(`a${c}a`)];
    for (const at of [-1, 0, 1, 2, 3]) assert.deepEqual(ours.containing(at), theirs.containing(at), `${hex(c)}: containing(${at})`);
  }
});

test('text with a character that joins others or an emoji outside the BMP is left to string-width and Intl.Segmenter', () => {
  for (const text of [
    'e\u0301',
    'a\u200db',
    '\u{1F44D}',
    '\u{1F468}\u200d\u{1F469}',
    '1\u20e3',
    '\u1100\u1161',
    'x\u00ad',
    '\u202eabc',
    '\u2764\ufe0f',
    'a\r\nb',
  ]) {
    assert.equal(width(text), undefined, JSON.stringify(text));
    assert.deepEqual(plain(shim.segment(text)), plain(real.segment(text)), JSON.stringify(text));
  }
  assert.equal(width(''), 0);
  assert.equal(width('plain ASCII line'), 16);
});

test('the bundled string-width, slice-ansi and ansi-tokenize (patched by scripts/bundle.mjs) give what the originals give', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'su-simple-text-'));
  try {
    const outfile = join(dir, 'measure.mjs');
    await execa(process.execPath, [
      join(ROOT, 'scripts', 'bundle.mjs'),
      '--entry',
      join(ROOT, 'test', 'fixtures', 'simple-text', 'entry.mjs'),
      '--harness',
      '--outfile',
      outfile,
    ]);
    let seed = 7;
    const pick = (from: string[]) => from[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % from.length];
    const random = (n: number) => Array.from({ length: n }, () => (seed % 5 === 0 ? pick(['\u001b[32m', '\u001b[39m', '\u001b[1m']) : pick(measured))).join('');
    const texts = [
      '',
      'ASCII only',
      '✓ Upgraded to 1.47.0 • verified → done ⠋',
      '\u001b[32m✓\u001b[39m coloured',
      '\u001b]8;;https://example.org\u0007link\u001b]8;;\u0007',
      '漢字とかな',
      '한국어',
      'e\u0301 combining',
      '\u{1F44D} emoji',
      '\u{1F468}\u200d\u{1F469}\u200d\u{1F467} family',
      '\u2764\ufe0f heart',
      '\u{1F1E9}\u{1F1EA} flag',
      '1\u20e3 keycap',
      '\u1100\u1161\u11a8 jamo',
      'soft\u00adhyphen',
      ...Array.from({ length: 300 }, (_, i) => random(1 + (i % 40))),
    ];
    const { stdout } = await execa(process.execPath, [outfile], { input: JSON.stringify(texts) });
    const got = JSON.parse(stdout) as unknown[];
    texts.forEach((text, i) => {
      const chars = styledCharsFromTokens(tokenize(text));
      const expected = [
        stringWidth(text),
        stringWidth(text, { ambiguousIsNarrow: false }),
        sliceAnsi(text, 1, 6),
        chars.map((c) => c.value),
        styledCharsToString(chars),
      ];
      assert.deepEqual(got[i], expected, JSON.stringify(text));
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
