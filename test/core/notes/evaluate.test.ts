import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseYamlText } from '../../../src/config/yaml-file.js';
import { evaluateCheck } from '../../../src/core/notes/evaluate-check.js';
import { evaluateNote, evaluateNotes, queryIdsOf } from '../../../src/core/notes/evaluate.js';
import type { Check, Note, NoteFacts } from '../../../src/core/notes/types.js';
import { yamlSource } from '../../../src/system/note-facts.js';

const CONFIG = `server_name: a.example
enable_registration: true
listeners:
  - port: 8008
    resources:
      - names: [client, webclient]
web_client_location: /srv/riot
modules:
  - module: mjolnir.Module
caches: {}
`;
const config = yamlSource(parseYamlText('/etc/hs.yaml', CONFIG));
const facts: NoteFacts = { config, database: 'sqlite3', platform: { python: '3.9.2' } };

const key = (k: string, test: Extract<Check, { kind: 'key' }>['test'] = { op: 'present' }, scope: 'config' | 'log_config' = 'config'): Check => ({
  kind: 'key',
  scope,
  key: k,
  test,
});
const check = (c: Check, f: NoteFacts = facts) => evaluateCheck(c, f);

test('key checks: present, absent, truthy, equals, contains, matches, with file and line', () => {
  assert.deepEqual(check(key('listeners.*.resources.*.names', { op: 'contains', value: 'webclient' })).findings, [
    { file: '/etc/hs.yaml', line: 6, message: 'listeners.0.resources.0.names contains "webclient"' },
  ]);
  assert.equal(check(key('enable_registration', { op: 'truthy' })).value, 'yes');
  assert.equal(check(key('caches', { op: 'truthy' })).value, 'no', 'an empty mapping is falsy');
  assert.equal(check(key('caches.expiry_time')).value, 'no');
  assert.deepEqual(check(key('caches.expiry_time', { op: 'absent' })).findings, [
    { file: '/etc/hs.yaml', line: null, message: 'caches.expiry_time is not set' },
  ]);
  assert.equal(check(key('modules.*.module', { op: 'equals', value: 'mjolnir.Module' })).findings[0]?.line, 9);
  assert.equal(check(key('web_client_location', { op: 'matches', value: '^https?://' })).value, 'no');
  assert.equal(check(key('listeners.0.port', { op: 'equals', value: '8008' })).value, 'yes', 'scalars compare by text');
});

test('anything not gathered is unknown, never no', () => {
  assert.equal(check(key('enable_registration'), {}).value, 'unknown');
  assert.match(check(key('x'), { configProblem: 'boom' }).reasons[0] ?? '', /homeserver config was not read: boom/);
  assert.equal(check(key('structured', { op: 'truthy' }, 'log_config')).value, 'unknown', 'log config not gathered');
  assert.equal(check({ kind: 'platform', component: 'postgresql', below: '14' }).value, 'unknown');
  assert.equal(check({ kind: 'method', methods: ['pip'] }).value, 'unknown');
  assert.equal(check({ kind: 'workers', value: true }).value, 'unknown');
  assert.equal(check({ kind: 'query', id: 'q', test: { op: 'rows_above', value: 0 } }).value, 'unknown');
  assert.equal(check({ kind: 'query', id: 'q', test: { op: 'rows_above', value: 0 } }, { queries: { q: { error: 'denied' } } }).value, 'unknown');
  const unreadable = { sources: [], unreadable: [{ file: '/etc/log.yaml', reason: 'EACCES' }] };
  assert.equal(check(key('structured', { op: 'truthy' }, 'log_config'), { logConfig: unreadable }).value, 'unknown');
  assert.equal(check(key('structured', { op: 'absent' }, 'log_config'), { logConfig: unreadable }).value, 'unknown');
  assert.equal(
    check(key('structured', { op: 'truthy' }, 'log_config'), { logConfig: { sources: [], unreadable: [] } }).value,
    'no',
    'no log config named: nothing to find',
  );
});

test('platform, database, query checks', () => {
  assert.deepEqual(check({ kind: 'platform', component: 'python', below: '3.10' }).findings, [
    { file: null, line: null, message: 'python 3.9.2 is below 3.10' },
  ]);
  assert.equal(check({ kind: 'platform', component: 'python', below: '3.9' }).value, 'no');
  assert.equal(check({ kind: 'database', engines: ['psycopg2'] }).value, 'no');
  const q = (rows: Record<string, unknown>[], t: Extract<Check, { kind: 'query' }>['test']) =>
    check({ kind: 'query', id: 'q', test: t }, { queries: { q: { rows } } }).value;
  assert.equal(q([{ count: 3 }], { op: 'value_above', value: 0 }), 'yes');
  assert.equal(q([{ count: 0 }], { op: 'value_above', value: 0 }), 'no');
  assert.equal(q([], { op: 'rows_above', value: 0 }), 'no');
  assert.equal(q([{ datcollate: 'en_US.UTF-8' }], { op: 'rows_above', value: 0 }), 'yes');
  assert.equal(q([{ v: 'C' }], { op: 'value_equals', value: 'C' }), 'yes');
});

test('three-valued all / any / not', () => {
  const yes = key('enable_registration');
  const no = key('nope');
  const unknown: Check = { kind: 'method', methods: ['pip'] };
  const v = (c: Check) => check(c).value;
  assert.equal(v({ kind: 'all', checks: [yes, unknown] }), 'unknown');
  assert.equal(v({ kind: 'all', checks: [no, unknown] }), 'no');
  assert.equal(v({ kind: 'any', checks: [yes, unknown] }), 'yes');
  assert.equal(v({ kind: 'any', checks: [no, unknown] }), 'unknown');
  assert.equal(v({ kind: 'not', check: unknown }), 'unknown');
  assert.equal(v({ kind: 'not', check: no }), 'yes');
});

const note = (id: string, extra: Partial<Note>): Note => ({
  id,
  version: '1.50.0',
  title: id,
  summary: 's',
  severity: 'info',
  concerns: {},
  checks: undefined,
  always: false,
  action: 'a',
  upstream: 'u',
  file: 'f',
  line: 1,
  ...extra,
});

test('the unknown rule: no checks means unknown unless applies: always; concerns gate first', () => {
  assert.equal(evaluateNote(note('a', {}), facts).value, 'unknown');
  assert.equal(evaluateNote(note('b', { always: true }), facts).value, 'yes');
  assert.equal(evaluateNote(note('c', { always: true, concerns: { database: ['psycopg2'] } }), facts).value, 'no');
  assert.equal(evaluateNote(note('d', { always: true, concerns: { methods: ['git'] } }), facts).value, 'unknown');
  assert.equal(evaluateNote(note('e', { always: true, concerns: { modules: true } }), facts).value, 'yes', 'modules: is set');
  assert.equal(evaluateNote(note('f', { always: true, concerns: { modules: true } }), { config: yamlSource(parseYamlText('x.yaml', 'a: 1')) }).value, 'no');
  assert.equal(evaluateNote(note('g', { concerns: { database: ['sqlite3'] }, checks: key('enable_registration') }), facts).value, 'yes');
});

test('evaluateNotes sorts yes, unknown, no; then breaking, action, info; then version', () => {
  const notes = [
    note('info-yes', { always: true, version: '1.40.0' }),
    note('breaking-no', { severity: 'breaking', checks: key('nope') }),
    note('action-unknown', { severity: 'action' }),
    note('breaking-yes-new', { severity: 'breaking', version: '1.60.0', checks: key('enable_registration') }),
    note('breaking-yes-old', { severity: 'breaking', version: '1.10.0', checks: key('enable_registration') }),
    note('breaking-unknown', { severity: 'breaking' }),
  ];
  const results = evaluateNotes(notes, facts);
  assert.deepEqual(
    results.map((r) => r.id),
    ['breaking-yes-old', 'breaking-yes-new', 'info-yes', 'breaking-unknown', 'action-unknown', 'breaking-no'],
  );
  assert.deepEqual(results.at(-1)?.findings, [], 'notes that do not apply carry no findings');
  assert.match(results[3]?.findings[0]?.message ?? '', /^not checked: no check can decide this note/);
});

test('queryIdsOf lists each query once', () => {
  const q = (id: string): Check => ({ kind: 'query', id, test: { op: 'rows_above', value: 0 } });
  const notes = [note('a', { checks: { kind: 'all', checks: [q('b'), { kind: 'not', check: q('a') }] } }), note('b', { checks: q('b') })];
  assert.deepEqual(queryIdsOf(notes), ['a', 'b']);
});

test('booleans and null compare as Synapse reads them: the string "false" is not false', () => {
  const src = yamlSource(parseYamlText('/etc/hs.yaml', 'a: "false"\nb: false\nc:\nd: 0\n'));
  const f: NoteFacts = { config: src };
  assert.equal(check(key('a', { op: 'equals', value: false }), f).value, 'no', 'a quoted "false" is a true string to Python');
  assert.equal(check(key('b', { op: 'equals', value: false }), f).value, 'yes');
  assert.equal(check(key('c', { op: 'equals', value: null }), f).value, 'yes');
  assert.equal(check(key('d', { op: 'equals', value: false }), f).value, 'no', '0 is not the boolean false');
  assert.equal(check(key('d', { op: 'equals', value: '0' }), f).value, 'yes', 'numbers still compare by text');
});

test('what detection knows decides: workers, the restart manager, platform versions, each "no" with its evidence', () => {
  const known: NoteFacts = {
    hasWorkers: false,
    workersEvidence: 'detection found no worker',
    restart: { kind: 'synctl', evidence: 'Synapse is restarted by synctl' },
    platform: { python: '3.11.7' },
    platformSources: { python: '/srv/env/bin/python' },
  };
  const workers = check({ kind: 'workers', value: true }, known);
  assert.deepEqual([workers.value, workers.findings.map((x) => x.message)], ['no', ['detection found no worker']]);
  const systemd = check({ kind: 'restart', managers: ['systemd'] }, known);
  assert.deepEqual([systemd.value, systemd.findings.map((x) => x.message)], ['no', ['Synapse is restarted by synctl']]);
  assert.equal(check({ kind: 'restart', managers: ['synctl'] }, known).value, 'yes');
  assert.equal(check({ kind: 'restart', managers: ['systemd'] }, {}).value, 'unknown');
  const py = check({ kind: 'platform', component: 'python', below: '3.10' }, known);
  assert.deepEqual([py.value, py.findings[0]?.message], ['no', 'python 3.11.7 (/srv/env/bin/python) is not below 3.10']);
  const gated = evaluateNotes([note('g', { always: true, concerns: { restart: ['systemd'] } })], known)[0];
  assert.deepEqual([gated?.applies, gated?.findings.map((x) => x.message)], ['no', ['Synapse is restarted by synctl']]);
});
