import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseYamlText } from '../../../src/config/yaml-file.js';
import { readReleaseFile } from '../../../src/core/notes/validate-release.js';

const withFixes = (fixes: string) => `version: 1.25.0
notes:
  - id: v1-25-x
    title: T
    summary: S.
    severity: action
    checks: { config: a, truthy: true }
    action: A.
    upstream: U
    fixes:
${fixes}
`;
const problems = (fixes: string) =>
  readReleaseFile(parseYamlText('steps/releases/v1.25.0.yaml', withFixes(fixes))).problems.map((p) => `${p.line}: ${p.message}`);

test('the four fix ops read into data', () => {
  const { release, problems: found } = readReleaseFile(
    parseYamlText(
      'steps/releases/v1.25.0.yaml',
      withFixes(`      - { rename: a, to: b, merge: union }
      - { move: [x.t, y.t], from: [config, worker], to: z.t }
      - { delete: listeners.*.x, unless_matches: "^https?://" }
      - { transform: ., in: log_config, with: structured-logging-to-standard }`),
    ),
  );
  assert.deepEqual(found, []);
  assert.deepEqual(release?.notes[0]?.fixes, [
    { op: 'rename', path: 'a', to: 'b', merge: 'union', in: ['config'] },
    { op: 'move', paths: ['x.t', 'y.t'], to: 'z.t', from: ['config', 'worker'] },
    { op: 'delete', path: 'listeners.*.x', unlessMatches: '^https?://', in: ['config'] },
    { op: 'transform', path: '.', with: 'structured-logging-to-standard', in: ['log_config'] },
  ]);
});

test('a bad fix fails loudly with its line', () => {
  assert.deepEqual(problems('      - { rename: a, move: b, to: c }'), ['11: a fix needs exactly one of rename, move, delete, transform (found rename, move)']);
  assert.deepEqual(problems('      - { transform: a, with: no-such-thing }'), [
    '11: with names an unknown transform "no-such-thing" (known: without-prejoin-defaults, without-webclient, structured-logging-to-standard, msc3861-to-mas, empty-mapping-for-null)',
  ]);
  assert.deepEqual(problems('      - { rename: a, to: b.c }'), [
    '11: to of a rename is one key name (the key stays in its section); use move to change section',
  ]);
  assert.deepEqual(problems('      - { move: a.*, to: b }'), ['11: move cannot use * (it names one key)']);
  assert.deepEqual(problems('      - { delete: a, in: [elsewhere] }'), ['11: in must be one of config, log_config, worker (got "elsewhere")']);
  assert.deepEqual(problems('      - { delete: a, unless_matches: "(" }'), ['11: unless_matches is not a valid regular expression']);
  assert.deepEqual(problems('      - { delete: a, to: b }'), ['11: unknown field "to" in a delete fix (allowed: delete, unless_matches, in)']);
});
