// Text made only of characters that stand alone, measured and cut into graphemes without Intl.Segmenter.
// The first Intl.Segmenter a process builds loads ICU's break data (20-50 ms here), and string-width compiles
// \p{RGI_Emoji} the first time it meets a character outside printable ASCII (40-60 ms more). Ink's text
// measure (string-width), its line slicer (slice-ansi) and its styled-character tokenizer (@alcalzone/ansi-tokenize)
// each build a Segmenter when they load, so the wizard's first frame paid both before anything was drawn (its ✓,
// •, →, ⠋ are outside ASCII). scripts/bundle.mjs patches the three to ask this first; text with any other character
// still goes to Intl.Segmenter and string-width's full rules, built on first use.
//
// Every character in SIMPLE is a grapheme cluster of its own next to any other of them (not a combining or spacing
// mark, joiner, prepended mark, Hangul jamo, control or format character, nor a surrogate), so a width is the sum
// of each one's East Asian Width. SEGMENTS adds the controls but CR (a control is always a cluster of its own; CR
// joins a following LF), so text with ANSI escape sequences is cut without the Segmenter too.
// test/scripts/simple-text.test.ts checks every one of these characters against string-width and Intl.Segmenter.
const RANGES =
  '\\u0020-\\u007E\\u00A0-\\u00AC\\u00AE-\\u02FF\\u0370-\\u0482\\u048A-\\u052F\\u2010-\\u2029\\u202F-\\u205E\\u2070-\\u20CF\\u2100-\\u2BFF\\u2E00-\\u2E7F\\u3000-\\u3029\\u3030-\\u303F\\u4E00-\\u9FFF\\uAC00-\\uD7A3\\uFF01-\\uFF60';
const SIMPLE = new RegExp(`^[${RANGES}]*$`);
const SEGMENTS = new RegExp(`^[${RANGES}\\u0000-\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u00AD\\u202A-\\u202E]*$`);
const ASCII = /^[\u0020-\u007E]*$/;

/** The text's width in columns, or undefined when a character in it needs string-width's full rules. */
export function simpleWidth(text, ambiguousAsWide, eastAsianWidth) {
  if (ASCII.test(text)) return text.length;
  if (!SIMPLE.test(text)) return undefined;
  const options = { ambiguousAsWide };
  let width = 0;
  for (let index = 0; index < text.length; index++) width += eastAsianWidth(text.charCodeAt(index), options);
  return width;
}

/** What Intl.Segmenter's segment() returns for text of characters that stand alone: one segment a character. */
export class CharacterSegments {
  constructor(input) {
    this.input = input;
  }

  containing(index = 0) {
    const at = Math.trunc(Number(index)) || 0;
    return at >= 0 && at < this.input.length ? { segment: this.input[at], index: at, input: this.input } : undefined;
  }

  *[Symbol.iterator]() {
    for (let index = 0; index < this.input.length; index++) yield { segment: this.input[index], index, input: this.input };
  }
}

/** A stand-in for `new Intl.Segmenter(undefined, options)` (grapheme granularity) that builds the real one only when needed. */
export function simpleSegmenter(options) {
  let real;
  return {
    segment(text) {
      const input = String(text);
      if (SEGMENTS.test(input)) return new CharacterSegments(input);
      real ??= new Intl.Segmenter(undefined, options);
      return real.segment(input);
    },
  };
}
