import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { AdminError } from '../../src/core/errors.js';
import { JOURNAL_FORMAT, journalShapeProblem, readJournal, writeJournal, type Journal } from '../../src/system/journal.js';

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'su-journal-'));
  dirs.push(dir);
  return dir;
};

const journal = (n: number): Journal => ({
  format: JOURNAL_FORMAT,
  sessionId: `s-${n}`,
  startedAt: 't',
  updatedAt: 't',
  dryRun: false,
  install: undefined,
  from: '1.46.0',
  to: '1.47.0',
  acknowledgedNotes: [],
  outcome: undefined,
  transcript: 'transcript.log',
  // Sizes that vary run to run, so a torn write could not pass for a whole one.
  steps: Array.from({ length: n % 40 }, (_, i) => ({ id: 'install' as const, status: 'running' as const, summary: 'x'.repeat((n * 37 + i) % 3000) })),
});

test('kill -9 at random instants while the journal is rewritten in a loop: it always loads, whole, mode 0600', async () => {
  const dir = await tempDir();
  // The built module (plain node starts in a few ms, so the kills land all over the write cycle).
  const module = pathToFileURL(join(import.meta.dirname, '../../dist/system/journal.js')).href;
  const writer = `
    const { writeJournal, JOURNAL_FORMAT } = await import(${JSON.stringify(module)});
    const dir = process.argv[1];
    for (let n = Number(process.argv[2]); ; n++) {
      if (n === Number(process.argv[2]) + 1) process.stdout.write('writing\\n');
      await writeJournal(dir, { format: JOURNAL_FORMAT, sessionId: 's-' + n, startedAt: 't', updatedAt: 't', dryRun: false, from: '1.46.0', to: '1.47.0',
        acknowledgedNotes: [], transcript: 'transcript.log',
        steps: Array.from({ length: n % 40 }, (_, i) => ({ id: 'install', status: 'running', summary: 'x'.repeat((n * 37 + i) % 3000) })) });
    }`;
  let start = 1;
  for (let round = 0; round < 40; round++) {
    const child = spawn(process.execPath, ['--input-type=module', '-e', writer, dir, String(start)], { stdio: ['ignore', 'pipe', 'inherit'] });
    // Once it is writing in its loop, kill it at a random instant of its write cycle.
    await new Promise((resolve) => child.stdout!.once('data', resolve));
    await new Promise((r) => setTimeout(r, Math.random() * 25));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    const loaded = await readJournal(dir);
    assert.ok(loaded, `round ${round}: the journal loads`);
    const n = Number(loaded.sessionId.slice(2));
    assert.deepEqual(loaded.steps, journal(n).steps, `round ${round}: journal ${n} is whole`);
    assert.equal((await stat(join(dir, 'journal.json'))).mode & 0o777, 0o600);
    start = n + 1000;
  }
  // Only the journal and (from kills mid-write) hidden temp files; never a half-written journal.json.
  const names = await readdir(dir);
  console.log(`temp files left by kills mid-write: ${names.length - 1}`);
  assert.ok(names.length > 1, 'some kills landed in the middle of a write');
  for (const name of names) assert.match(name, /^(journal\.json|\.journal\.json\.\d+\.[0-9a-f]+\.tmp)$/);
});

test('a journal from a newer version or damaged by hand is a clear error (exit 2) and the file is not touched', async () => {
  const dir = await tempDir();
  const cases: [string, RegExp][] = [
    [JSON.stringify({ ...journal(1), format: JOURNAL_FORMAT + 1 }), /newer synapse-upgrade \(format 3; this one reads up to 2\)/],
    ['{"format": 2, "steps": [', /damaged \(not valid JSON\)/],
    ['[]', /damaged \(not a JSON object\)/],
    [JSON.stringify({ ...journal(1), sessionId: 7 }), /"sessionId" is missing or not text/],
    [JSON.stringify({ ...journal(1), steps: [{ id: 'install', status: 'half-done' }] }), /step 1 has no valid "id" and "status"/],
    [
      JSON.stringify({ ...journal(1), steps: [{ id: 'install', status: 'running', job: { dir: '../../etc', argv: [] } }] }),
      /names a job that is not a jobs\/NNNN folder/,
    ],
    // Tampered by hand: paths outside the session folder, and versions that are not versions.
    [JSON.stringify({ ...journal(1), transcript: '/etc/shadow' }), /"transcript" is "\/etc\/shadow", not transcript.log in /],
    [JSON.stringify({ ...journal(1), transcript: '../other/transcript.log' }), /"transcript" is "..\/other\/transcript.log"/],
    [JSON.stringify({ ...journal(1), transcript: join(dir, 'jobs', 'transcript.log') }), /"transcript" is /],
    [JSON.stringify({ ...journal(1), to: '$(touch /tmp/pwned)' }), /"to" is "\$\(touch \/tmp\/pwned\)", not a Synapse version/],
    [JSON.stringify({ ...journal(1), from: '1.46.0; reboot' }), /"from" is .*not a Synapse version/],
    [JSON.stringify({ ...journal(1), to: '9'.repeat(100_000) }), /"to" is "9{40}"…, not a Synapse version/],
    [JSON.stringify({ ...journal(1), backup: { path: '/etc/passwd', sha256: 'a'.repeat(64) } }), /"backup.path" is "\/etc\/passwd", not a backup file/],
    [JSON.stringify({ ...journal(1), backup: { path: `${dir}/../x/homeserver-1.46.0-20260101T120000Z.db`, sha256: 'a'.repeat(64) } }), /"backup.path" is /],
  ];
  for (const [text, message] of cases) {
    await writeFile(join(dir, 'journal.json'), text);
    await assert.rejects(
      readJournal(dir),
      (error: unknown) =>
        error instanceof AdminError && error.exitCode === 2 && message.test(error.message) && /the file was left as it is/.test(error.message),
    );
    assert.equal(await readFile(join(dir, 'journal.json'), 'utf8'), text);
  }
});

test('journals of format 1 (before jobs and events) still load', async () => {
  const dir = await tempDir();
  const { events: _e, ...old } = { ...journal(3), format: 1, events: undefined };
  await writeFile(join(dir, 'journal.json'), JSON.stringify(old));
  assert.equal((await readJournal(dir))?.sessionId, 's-3');
  assert.equal(journalShapeProblem({ ...journal(2) }), undefined);
  await writeJournal(dir, journal(5));
  assert.equal((await readJournal(dir))?.format, JOURNAL_FORMAT);
});

test('the paths the wizard itself writes load: its transcript (absolute or relative), a backup in a --backup-dir', async () => {
  const dir = await tempDir();
  const backup = { path: '/srv/backups/homeserver-1.46.0-20260101T120000Z.db', sha256: 'b'.repeat(64), version: '1.46.0' };
  for (const transcript of [join(dir, 'transcript.log'), 'dry-run-transcript.log']) {
    await writeFile(join(dir, 'journal.json'), JSON.stringify({ ...journal(2), transcript, backup }));
    const loaded = await readJournal(dir);
    assert.equal(loaded?.transcript, join(dir, transcript.replace(`${dir}/`, '')));
    assert.equal(loaded?.backup?.path, backup.path);
  }
});
