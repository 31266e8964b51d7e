import assert from 'node:assert/strict';
import { cp, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runNotesCommand } from '../../src/cli/notes-command.js';
import { loadReleaseData } from '../../src/system/release-data.js';
import { tempDir } from '../helpers/temp-dir.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LEGACY = join(ROOT, 'test', 'fixtures', 'configs', 'legacy');

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runNotesCommand(args, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

test('--json prints one valid object with the documented shape, stable across runs', async () => {
  const args = ['--from', 'v1.52.0', '--to', '1.57.0+bookworm1', '--config', join(LEGACY, 'homeserver.yaml'), '--config', join(LEGACY, 'conf.d'), '--json'];
  const first = await run(...args);
  const second = await run(...args);
  assert.equal(first.code, 0);
  assert.equal(first.stdout, second.stdout, 'same input, same bytes');
  const parsed = JSON.parse(first.stdout) as { from: string; to: string; notes: Record<string, unknown>[] };
  assert.deepEqual(Object.keys(parsed), ['from', 'to', 'notes', 'coverage']);
  assert.equal(parsed.from, '1.52.0');
  assert.equal(parsed.to, '1.57.0');
  for (const note of parsed.notes) {
    assert.deepEqual(Object.keys(note), ['version', 'id', 'title', 'severity', 'applies', 'findings']);
    assert.ok(['yes', 'no', 'unknown'].includes(note.applies as string));
    for (const f of note.findings as Record<string, unknown>[]) assert.deepEqual(Object.keys(f), ['file', 'line', 'message']);
  }
  assert.ok(
    parsed.notes.every((n) => /^1\.5[3-7]\.0$/.test(n.version as string)),
    'only (1.52.0, 1.57.0]',
  );
  const webclient = parsed.notes.find((n) => n.id === 'v1-53-webclient-removed');
  assert.deepEqual(webclient?.findings, [{ file: join(LEGACY, 'homeserver.yaml'), line: 10, message: 'listeners.0.resources.0.names contains "webclient"' }]);
  assert.equal(parsed.notes[0]?.applies, 'yes');
  assert.equal(parsed.notes[0]?.severity, 'breaking');
  const order = parsed.notes.map((n) => ['yes', 'unknown', 'no'].indexOf(n.applies as string));
  assert.deepEqual(
    order,
    [...order].sort((a, b) => a - b),
    'applies yes, then unknown, then no',
  );
});

test('text output is grouped by severity and shows findings as file:line', async () => {
  const { code, stdout } = await run('--from', '1.53.0', '--to', '1.54.0', '--config', join(LEGACY, 'homeserver.yaml'));
  assert.equal(code, 0);
  assert.match(stdout, /^Upgrade notes from 1\.53\.0 to 1\.54\.0: 2 note\(s\) in \(1\.53\.0, 1\.54\.0\]; 1 apply, 0 unknown, 1 do not apply\./);
  assert.match(stdout, /BREAKING \(1\)\n {2}\[applies\] 1\.54\.0 {2}Legacy structured: true logging removed/);
  assert.ok(stdout.includes(`- ${join(LEGACY, 'legacy.log.config')}:2: structured is true`));
  assert.match(stdout, /FOR INFORMATION \(1\)\n {2}\[no {5}\] 1\.54\.0 {2}synctl_cache_factor deprecated/);
  assert.ok(stdout.indexOf('BREAKING') < stdout.indexOf('FOR INFORMATION'));
});

test('equal versions list nothing; from above to and non-versions exit 2 with the reason', async () => {
  const same = await run('--from', '1.47.0', '--to', '1.47.0', '--json');
  assert.equal(same.code, 0);
  const sameJson = JSON.parse(same.stdout) as { from: string; to: string; notes: unknown[]; coverage: { complete: boolean } };
  assert.deepEqual([sameJson.from, sameJson.to, sameJson.notes, sameJson.coverage.complete], ['1.47.0', '1.47.0', [], true]);
  const down = await run('--from', '1.60.0', '--to', '1.50.0');
  assert.equal(down.code, 2);
  assert.match(down.stderr, /--from 1\.60\.0 is above --to 1\.50\.0/);
  const bad = await run('--from', 'banana', '--to', '1.50.0');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /"banana" is not a Synapse version/);
  assert.equal((await run('--to', '1.50.0')).code, 2);
  assert.equal((await run('--from', '1.0.0', '--to', '1.50.0', '--frm', 'x')).code, 2);
  const help = await run('--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: synapse-upgrade notes --from VERSION --to VERSION/);
});

test('pre-release target: going to 1.56.0rc1 lists the 1.56.0 notes', async () => {
  const { stdout } = await run('--from', '1.55.0', '--to', '1.56.0rc1', '--json');
  const ids = (JSON.parse(stdout) as { notes: { id: string }[] }).notes.map((n) => n.id);
  assert.ok(ids.includes('v1-56-open-registration-refused'));
});

test('an unreadable config still lists the notes, unknown where needed, with a warning', async () => {
  const { code, stdout, stderr } = await run(
    '--from',
    '1.52.0',
    '--to',
    '1.53.0',
    '--config',
    join(ROOT, 'test', 'fixtures', 'configs', 'broken', 'homeserver.yaml'),
    '--json',
  );
  assert.equal(code, 0);
  assert.match(stderr, /^warning: The config could not be read, so notes that depend on it are shown as unknown: .*homeserver\.yaml:4/m);
  const notes = (JSON.parse(stdout) as { notes: { id: string; applies: string; findings: { message: string }[] }[] }).notes;
  const webclient = notes.find((n) => n.id === 'v1-53-webclient-removed');
  assert.equal(webclient?.applies, 'unknown');
  assert.match(webclient?.findings[0]?.message ?? '', /^not checked: the homeserver config was not read/);
  const missing = await run('--from', '1.52.0', '--to', '1.53.0', '--config', '/nonexistent/homeserver.yaml');
  assert.equal(missing.code, 0);
  assert.match(missing.stderr, /does not exist/);
});

test('broken notes data exits 1 naming the file and line', async () => {
  const dir = join(await tempDir('su-steps-'), 'steps');
  await cp(join(ROOT, 'steps'), dir, { recursive: true });
  await writeFile(join(dir, 'releases', 'v1.50.0.yaml'), 'version: 1.50.0\nnotes:\n  - id: x\n    title: [unclosed\n');
  const out: string[] = [];
  const code = await runNotesCommand(['--from', '1.0.0', '--to', '1.2.0'], { stdout: () => {}, stderr: (s) => out.push(s) }, { stepsDir: dir });
  assert.equal(code, 1);
  assert.match(out.join('\n'), /v1\.50\.0\.yaml:\d+:\d+: not valid YAML/);
});

test('--from 1.150.0 --to the newest known release lists the notes of every release in between, and says all is covered', async () => {
  const steps = await loadReleaseData(join(ROOT, 'steps'));
  const newest = steps.schema.newestRelease;
  const { code, stdout } = await run('--from', '1.150.0', '--to', newest, '--json', '--offline');
  assert.equal(code, 0);
  const parsed = JSON.parse(stdout) as { notes: { id: string; version: string }[]; coverage: { complete: boolean; uncovered: unknown; knownThrough: string } };
  const expected = steps.releases.filter((r) => compare(r.version, '1.150.0') > 0 && compare(r.version, newest) <= 0);
  assert.ok(
    expected.some((r) => r.version === '1.163.0'),
    'steps/ reaches 1.163',
  );
  assert.deepEqual(
    [...new Set(parsed.notes.map((n) => n.version))].sort(compare),
    expected.map((r) => r.version),
  );
  assert.deepEqual(parsed.notes.map((n) => n.id).sort(), expected.flatMap((r) => r.notes.map((n) => n.id)).sort());
  assert.deepEqual(parsed.coverage, { ...parsed.coverage, knownThrough: newest, complete: true, uncovered: null });
});

test('--to a release nobody knows says which range is not covered and where its notes are (index not asked)', async () => {
  const steps = await loadReleaseData(join(ROOT, 'steps'));
  const newest = steps.schema.newestRelease;
  const text = await run('--from', '1.150.0', '--to', '1.999.0', '--offline');
  assert.equal(text.code, 0);
  assert.ok(
    text.stdout.includes(
      `NOT COVERED: the notes data of this tool stops at ${newest}; releases after ${newest} up to 1.999.0 were not checked against this server.`,
    ),
    text.stdout,
  );
  assert.match(text.stdout, /Their notes: https:\/\/element-hq\.github\.io\/synapse\/latest\/upgrade\.html/);
  assert.match(text.stdout, /could not be read from the package index: the package index was not asked \(--offline\)/);
  assert.match(text.stderr, /warning: The notes data stops at .*not covered/);
  const json = JSON.parse((await run('--from', '1.150.0', '--to', '1.999.0', '--offline', '--json')).stdout) as { coverage: Record<string, unknown> };
  assert.deepEqual(json.coverage.uncovered, { after: newest, to: '1.999.0' });
  assert.equal(json.coverage.complete, false);
  assert.deepEqual(json.coverage.upstream, { status: 'unreadable', reason: 'the package index was not asked (--offline)' });
  assert.deepEqual(json.coverage.unchecked, []);
});

const compare = (a: string, b: string): number => {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
};
