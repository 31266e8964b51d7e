import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mustParseVersion } from '../../../src/core/version.js';
import { noteInRange, readRange, selectNotes } from '../../../src/core/notes/select.js';
import type { Note } from '../../../src/core/notes/types.js';

const v = (s: string) => mustParseVersion(s);
const within = (note: string, from: string, to: string) => noteInRange(note, v(from), v(to));

const note = (id: string, version: string): Note => ({
  id,
  version,
  title: id,
  summary: 's',
  severity: 'info',
  concerns: {},
  checks: undefined,
  always: true,
  action: 'a',
  upstream: 'u',
  file: 'f',
  line: 1,
});

test('the range is half-open: (from, to]', () => {
  assert.equal(within('1.47.0', '1.46.0', '1.47.0'), true, 'the target release itself is included');
  assert.equal(within('1.46.0', '1.46.0', '1.47.0'), false, 'the running release is excluded');
  assert.equal(within('1.45.0', '1.46.0', '1.47.0'), false);
  assert.equal(within('1.48.0', '1.46.0', '1.47.0'), false);
  assert.equal(within('1.47.0', '1.47.0', '1.47.0'), false, 'equal versions select nothing');
});

test('pre-releases: a release note counts from its first release candidate', () => {
  assert.equal(within('1.47.0', '1.46.0', '1.47.0rc1'), true, 'going to 1.47.0rc1 includes the 1.47.0 notes');
  assert.equal(within('1.47.0', '1.47.0rc1', '1.47.0'), false, 'running 1.47.0rc1 already has the change');
  assert.equal(within('1.47.0', '1.47.0rc1', '1.47.0rc2'), false);
  assert.equal(within('1.48.0', '1.47.0', '1.48.0rc3'), true);
  assert.equal(within('1.48.0', '1.47.0', '1.47.1'), false);
  assert.equal(within('1.138.2', '1.138.1', '1.138.2rc1'), true, 'patch releases with notes work the same way');
});

test('Debian, git, v-prefixed and tilde-rc version strings are understood', () => {
  assert.equal(within('1.47.0', '1.46.0+bookworm1', '1.47.0+bookworm1'), true);
  assert.equal(within('1.157.0', '1.156.0+bookworm1', '1.157.0~rc1+bookworm1'), true);
  assert.equal(within('1.157.0', '1.157.0~rc1+bookworm1', '1.157.1+bookworm1'), false);
  assert.equal(within('1.47.0', 'v1.46.0', 'v1.47.0'), true);
  assert.equal(within('1.47.0', '1.46.0 (b=master,t=v1.46.0,abc1234)', '1.47.0 (b=master,t=v1.47.0,def5678,dirty)'), true);
  assert.equal(within('1.0.0', '0.99.5', '1.0'), true, '1.0 means 1.0.0');
});

test('readRange: from above to, and non-versions, are refused with a reason', () => {
  const down = readRange('1.60.0', '1.50.0');
  assert.equal(down.ok, false);
  assert.match(!down.ok ? down.reason : '', /--from 1\.60\.0 is above --to 1\.50\.0/);
  const bad = readRange('latest', '1.50.0');
  assert.match(!bad.ok ? bad.reason : '', /--from "latest" is not a Synapse version/);
  const badTo = readRange('1.50.0', 'one.two');
  assert.match(!badTo.ok ? badTo.reason : '', /--to "one\.two"/);
  assert.equal(readRange('1.50.0', '1.50.0').ok, true, 'equal versions are a valid, empty range');
  assert.equal(readRange('1.50.0rc1', '1.50.0').ok, true);
  assert.equal(readRange('1.50.0', '1.50.0rc1').ok, false, '1.50.0rc1 comes before 1.50.0');
});

test('selectNotes keeps oldest release first and file order within a release', () => {
  const notes = [note('c', '1.50.0'), note('a', '1.48.0'), note('b', '1.48.0'), note('z', '1.10.0'), note('y', '1.51.0')];
  assert.deepEqual(
    selectNotes(notes, v('1.10.0'), v('1.50.0')).map((n) => n.id),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(selectNotes(notes, v('1.50.0'), v('1.50.0')), []);
  assert.deepEqual(
    selectNotes(notes, v('1.9.0'), v('1.10.0')).map((n) => n.id),
    ['z'],
    'numeric, not string, order: 1.10 > 1.9',
  );
});
