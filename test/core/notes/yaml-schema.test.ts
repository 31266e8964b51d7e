import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseYamlText } from '../../../src/config/yaml-file.js';
import { readReleaseFile } from '../../../src/core/notes/validate-release.js';
import { whereOf } from '../../../src/core/notes/yaml-nodes.js';

const NOTE = `version: 1.60.0
notes:
  - id: v1-60-thing
    title: A thing
    summary: Something.
    severity: action
    checks: { method: pip }
    action: Do it.
    upstream: "docs/upgrade.md: Upgrading to v1.60.0"
`;

const read = (text: string) => readReleaseFile(parseYamlText('steps/releases/v1.60.0.yaml', text));
const problems = (text: string) => read(text).problems.map((p) => `${whereOf(p)}: ${p.message}`);

test('a problem names the line and the column of the value (or of the unknown key)', () => {
  assert.deepEqual(problems(NOTE.replace('severity: action', 'severity: urgent')), [
    'steps/releases/v1.60.0.yaml:6:15: severity must be one of breaking, action, info (got "urgent")',
  ]);
  const [unknown, ...more] = problems(NOTE.replace('    action: Do it.', '    action: Do it.\n    colour: red'));
  assert.match(unknown ?? '', /^steps\/releases\/v1\.60\.0\.yaml:9:5: unknown field "colour" in a note \(allowed: id, version, title, /);
  assert.deepEqual(more, []);
});

test('a single word reads as a list of one; an empty list, a key written twice and an alias are problems', () => {
  const { release } = read(NOTE);
  assert.deepEqual(release?.notes[0]?.checks, { kind: 'method', methods: ['pip'] });
  assert.deepEqual(problems(NOTE.replace('{ method: pip }', '{ method: [] }')), ['steps/releases/v1.60.0.yaml:7:23: method must not be empty']);
  assert.deepEqual(problems(NOTE.replace('    title: A thing', '    title: A thing\n    title: Another')), [
    'steps/releases/v1.60.0.yaml:5:5: field "title" appears twice',
  ]);
  assert.match(
    problems(NOTE.replace('    title: A thing', '    title: &t A thing').replace('summary: Something.', 'summary: *t'))[0] ?? '',
    /:5:14: aliases \(\*name\) are not used/,
  );
});

test('a nested check missing a field names the check; a value of the wrong kind names the field', () => {
  assert.deepEqual(problems(NOTE.replace('{ method: pip }', '{ not: { platform: python } }')), [
    'steps/releases/v1.60.0.yaml:7:20: a platform check is missing the required field "below"',
  ]);
  assert.deepEqual(problems(NOTE.replace('{ method: pip }', '{ workers: yes }')), ['steps/releases/v1.60.0.yaml:7:24: workers must be true or false']);
  assert.deepEqual(problems(NOTE.replace('title: A thing', 'title: { a: 1 }')), ['steps/releases/v1.60.0.yaml:4:12: title must be a single value']);
  assert.deepEqual(problems(NOTE.replace('{ method: pip }', '[]')), ['steps/releases/v1.60.0.yaml:7:13: all must list at least one check']);
});
