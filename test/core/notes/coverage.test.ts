import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  coverageJson,
  coverageLines,
  coverageWithout,
  uncheckedNotes,
  uncoveredRange,
  upgradeSections,
  UNCHECKED_LIMITS,
} from '../../../src/core/notes/coverage.js';
import { mustParseVersion } from '../../../src/core/version.js';

const v = (s: string) => mustParseVersion(s);

test('the uncovered part of a range starts after the newest known release, or after from when from is newer', () => {
  assert.equal(uncoveredRange('1.163.2', v('1.150.0'), v('1.163.2')), null);
  assert.equal(uncoveredRange('1.163.2', v('1.150.0'), v('1.163.2+bookworm1')), null, 'a packaging suffix is the same release');
  assert.equal(uncoveredRange('1.163.2', v('1.150.0'), v('1.163.2rc1')), null);
  assert.deepEqual(uncoveredRange('1.163.2', v('1.150.0'), v('1.999.0')), { after: '1.163.2', to: '1.999.0' });
  assert.deepEqual(uncoveredRange('1.163.2', v('1.150.0'), v('1.164.0rc1')), { after: '1.163.2', to: '1.164.0rc1' });
  assert.deepEqual(uncoveredRange('1.163.2', v('1.170.0'), v('1.171.0')), { after: '1.170.0', to: '1.171.0' });
  const covered = coverageWithout('1.163.2', v('1.160.0'), v('1.163.0'));
  assert.deepEqual(coverageLines(coverageJson(covered)), [], 'nothing to say when covered');
  assert.equal(coverageJson(covered).complete, true);
});

const MD = [
  '# Upgrading Synapse',
  'intro',
  '# Upgrading to v1.166.0',
  '',
  '## A breaking thing',
  'Set `foo: true`.',
  '```sh',
  '# Upgrading to v9.9.9 (inside a code block: not a heading)',
  '```',
  '# Upgrading to v1.165.0rc1',
  'never a final heading',
  '# Upgrading to v1.164.0',
  'Red \x1b[31malert\x1b[0m and a title \x1b]0;owned\x07 bell\x07 done.',
  '# Upgrading to v1.163.0',
  'covered already',
  '# Upgrading to v1.0',
  'old',
].join('\n');

test('upgrade.md sections: headings outside code blocks, X.Y read as X.Y.0', () => {
  const sections = upgradeSections(MD);
  assert.deepEqual(
    sections.map((s) => s.version),
    ['1.166.0', '1.164.0', '1.163.0', '1.0.0'],
  );
  assert.match(sections[0]!.body, /# Upgrading to v9\.9\.9 \(inside a code block/);
});

test('unchecked notes: only the uncovered releases, oldest first, controls stripped', () => {
  const notes = uncheckedNotes(MD, '1.163.2', '1.166.0');
  assert.deepEqual(
    notes.map((n) => n.version),
    ['1.164.0', '1.166.0'],
  );
  assert.equal(notes[0]!.text, 'Red alert and a title  bell done.');
  assert.equal(notes[1]!.heading, 'Upgrading to v1.166.0');
  assert.match(notes[1]!.text, /^## A breaking thing\nSet `foo: true`\./);
  assert.deepEqual(
    uncheckedNotes(MD, '1.163.2', '1.166.0rc1').map((n) => n.version),
    ['1.164.0', '1.166.0'],
    'the target rc counts its release',
  );
  assert.deepEqual(
    uncheckedNotes(MD, '1.164.0', '1.165.0').map((n) => n.version),
    [],
  );
});

test('unchecked notes are capped in lines, length and count', () => {
  const long = ['# Upgrading to v2.0.0', ...Array.from({ length: 500 }, (_, i) => `line ${i} ${'x'.repeat(200)}`)].join('\n');
  const [note] = uncheckedNotes(long, '1.999.0', '2.0.0');
  assert.ok(note!.truncated);
  assert.ok(note!.text.length <= UNCHECKED_LIMITS.chars);
  assert.ok(note!.text.split('\n').length <= UNCHECKED_LIMITS.lines);
  const many = Array.from({ length: 100 }, (_, i) => `# Upgrading to v3.${i}.0\nx`).join('\n');
  assert.equal(uncheckedNotes(many, '2.0.0', '3.99.0').length, UNCHECKED_LIMITS.sections);
});

test('coverage lines name the range, where to read, and why the notes could not be read', () => {
  const base = coverageWithout('1.163.2', v('1.150.0'), v('1.999.0'));
  const lines = coverageLines(coverageJson({ ...base, upstream: { status: 'unreadable', reason: 'no answer in time' } })).join('\n');
  assert.match(lines, /notes data of this tool stops at 1\.163\.2; releases after 1\.163\.2 up to 1\.999\.0 were not checked/);
  assert.match(lines, /https:\/\/element-hq\.github\.io\/synapse\/latest\/upgrade\.html/);
  assert.match(lines, /could not be read from the package index: no answer in time/);
  const read = coverageJson({ ...base, upstream: { status: 'read', source: 'docs/upgrade.md in x.tar.gz', unchecked: [] } });
  assert.match(coverageLines(read).join('\n'), /has no "Upgrading to" section for releases after 1\.163\.2/);
});
