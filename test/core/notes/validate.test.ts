import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseYamlText } from '../../../src/config/yaml-file.js';
import { readReleaseFile, validateReleases } from '../../../src/core/notes/validate-release.js';
import { ReleaseDataError } from '../../../src/core/notes/yaml-nodes.js';

const GOOD = `version: 1.56.0
notes:
  - id: v1-56-open-registration
    title: Open registration refused
    summary: Something.
    severity: breaking
    concerns: { methods: [pip, debian], database: psycopg2, workers: false }
    checks:
      all:
        - { config: enable_registration, truthy: true }
        - { not: { config: enable_registration_captcha, truthy: true } }
        - any: [{ platform: python, below: "3.10" }, { query: known-query, rows_above: 0 }]
    action: Fix it.
    upstream: "docs/upgrade.md: Upgrading to v1.56.0"
`;

const read = (text: string, name = 'steps/releases/v1.56.0.yaml') => readReleaseFile(parseYamlText(name, text), new Set(['known-query']));

test('a well-formed release file reads into notes with the checks as data', () => {
  const { release, problems } = read(GOOD);
  assert.deepEqual(problems, []);
  const note = release?.notes[0];
  assert.equal(note?.version, '1.56.0');
  assert.deepEqual(note?.concerns, { methods: ['pip', 'debian'], database: ['psycopg2'], workers: false });
  assert.equal(note?.checks?.kind, 'all');
  assert.equal(note?.line, 3);
  assert.deepEqual(note?.checks?.kind === 'all' ? note.checks.checks[0] : undefined, {
    kind: 'key',
    scope: 'config',
    key: 'enable_registration',
    test: { op: 'truthy' },
  });
});

const problemsOf = (text: string, name?: string) => read(text, name).problems.map((p) => `${p.file}:${p.line}: ${p.message}`);

test('an unknown field fails loudly with file and line', () => {
  const [problem] = problemsOf(GOOD.replace('    action: Fix it.', '    action: Fix it.\n    severty: info'));
  assert.match(problem ?? '', /^steps\/releases\/v1\.56\.0\.yaml:14: unknown field "severty" in a note/);
});

test('bad versions fail: float, wrong file name, pre-release, note version differing', () => {
  assert.match(
    problemsOf(GOOD.replace('version: 1.56.0', 'version: 1.56'))[0] ?? '',
    /:1: version must be a plain release version like 1\.47\.0 \(got 1\.56\)/,
  );
  assert.match(problemsOf(GOOD, 'steps/releases/v1.57.0.yaml')[0] ?? '', /:1: version 1\.56\.0 does not match the file name v1\.57\.0\.yaml/);
  assert.match(problemsOf(GOOD.replace('version: 1.56.0', 'version: 1.56.0rc1'))[0] ?? '', /plain release version/);
  assert.match(
    problemsOf(GOOD.replace('    title:', '    version: 1.55.0\n    title:'))[0] ?? '',
    /:4: note version 1\.55\.0 differs from the file's version 1\.56\.0/,
  );
});

test('bad checks name their line: unknown kind, two tests, unquoted platform version, unknown query, bad regex', () => {
  const swap = (from: string, to: string) => problemsOf(GOOD.replace(from, to))[0] ?? '';
  assert.match(swap('{ config: enable_registration, truthy: true }', '{ conifg: enable_registration }'), /:10: a check needs exactly one of/);
  assert.match(
    swap('{ config: enable_registration, truthy: true }', '{ config: enable_registration, truthy: true, absent: true }'),
    /:10: a config check takes one test, not absent and truthy/,
  );
  assert.match(swap('below: "3.10"', 'below: 3.10'), /:12: below must be quoted text like "3\.10"/);
  assert.match(swap('known-query', 'other-query'), /:12: query "other-query" is not defined in steps\/queries\.yaml/);
  assert.match(
    swap('{ config: enable_registration, truthy: true }', '{ config: enable_registration, matches: "([" }'),
    /:10: matches: "\(\[" is not a valid regular expression/,
  );
  assert.match(swap('severity: breaking', 'severity: urgent'), /:6: severity must be one of breaking, action, info/);
  assert.match(swap('id: v1-56-open-registration', 'id: V1_56'), /:3: id "V1_56" must be kebab-case/);
  assert.match(swap('    upstream:', '    applies: always\n    upstream:'), /a note has either checks or "applies: always", not both/);
});

test('missing required fields and an empty notes list are problems', () => {
  assert.match(problemsOf(GOOD.replace('    action: Fix it.\n', ''))[0] ?? '', /:3: a note is missing the required field "action"/);
  assert.match(problemsOf('version: 1.56.0\nnotes: []\n')[0] ?? '', /:2: notes must list at least one note/);
});

test('duplicate ids across files throw one ReleaseDataError naming both places', () => {
  const a = parseYamlText('steps/releases/v1.56.0.yaml', GOOD);
  const b = parseYamlText('steps/releases/v1.57.0.yaml', GOOD.replace(/1\.56\.0/g, '1.57.0'));
  assert.throws(
    () => validateReleases([a, b], new Set(['known-query'])),
    (error: unknown) =>
      error instanceof ReleaseDataError &&
      error.exitCode === 1 &&
      /v1\.57\.0\.yaml:3: note id "v1-56-open-registration" is already used at steps\/releases\/v1\.56\.0\.yaml:3/.test(error.message),
  );
});

test('source names files of element-hq/synapse at a tag, and effect fixes the severity', () => {
  const withSource = (source: string, effect = 'refuses-to-start', severity = 'breaking') =>
    GOOD.replace('    severity: breaking\n', `    severity: ${severity}\n`).replace(
      '    upstream: "docs/upgrade.md: Upgrading to v1.56.0"\n',
      `    upstream: "docs/upgrade.md: Upgrading to v1.56.0"\n    source: ${source}\n    effect: ${effect}\n`,
    );
  const { release, problems } = read(withSource('synapse/config/registration.py@v1.56.0, synapse/config/captcha.py@v1.56.0'));
  assert.deepEqual(problems, []);
  assert.deepEqual(release?.notes[0]?.source, ['synapse/config/registration.py@v1.56.0', 'synapse/config/captcha.py@v1.56.0']);
  assert.equal(release?.notes[0]?.effect, 'refuses-to-start');
  assert.match(
    problemsOf(withSource('synapse/config/registration.py'))[0] ?? '',
    /source "synapse\/config\/registration\.py" must be a file of element-hq\/synapse at a release tag/,
  );
  assert.match(
    problemsOf(withSource('synapse/config/registration.py@v1.56.0', 'refuses-to-start', 'action'))[0] ?? '',
    /severity action does not match effect refuses-to-start .*needs breaking/,
  );
  assert.match(problemsOf(withSource('synapse/config/registration.py@v1.56.0', 'none', 'breaking'))[0] ?? '', /does not match effect none/);
  assert.match(problemsOf(withSource('synapse/config/registration.py@v1.56.0', 'crashes'))[0] ?? '', /effect/);
});
