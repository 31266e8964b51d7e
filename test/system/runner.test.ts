import { writeFileSync } from 'node:fs';
// The runner and its supervisor with real processes: output followed live, secrets kept off the disk, a command
// that survives the death and hang-up of the process that started it, re-attaching to it, stopping it.
// Needs `npm run build` first (the supervisor is bin/synapse-upgrade.mjs __supervise).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import type { WizardEvent } from '../../src/core/events.js';
import { inspectJob, type JobRecord } from '../../src/system/jobs.js';
import { createRunner } from '../../src/system/runner.js';
import { openTranscript } from '../../src/system/transcript.js';
import { waitUntil } from '../helpers/resume.js';

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true, maxRetries: 3 })));
});
async function session() {
  const dir = await mkdtemp(join(tmpdir(), 'su-runner-'));
  dirs.push(dir);
  const events: WizardEvent[] = [];
  const transcript = openTranscript(join(dir, 'transcript.log'));
  const runner = createRunner({ dryRun: false, transcript, emit: (e) => events.push(e), sessionDir: dir, session: 'test', step: () => 'install' });
  return { dir, events, transcript, runner };
}

test('output is followed line by line as it comes, with the exit code; the transcript has it all', async () => {
  const { dir, events, transcript, runner } = await session();
  // The command goes on only once the test has seen "one" (it opens a gate then): "one" must come while the
  // command still runs. Were lines only delivered at the end, the command would print "late" after 20 s.
  const gate = join(dir, 'gate');
  const seen: string[] = [];
  const script =
    'echo one; i=0; while [ ! -e "$1" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done; [ -e "$1" ] || echo late; echo two >&2; printf three; exit 3';
  const result = await runner.run({ argv: ['sh', '-c', script, 'sh', gate] }, (line) => {
    seen.push(line);
    if (line === 'one') writeFileSync(gate, '');
  });
  assert.equal(result.exitCode, 3);
  assert.deepEqual(seen, ['one', 'two', 'three'], '"one" came while the command ran (no "late")');
  assert.deepEqual(
    events.filter((e) => e.type === 'command.output').map((e) => (e as { line: string }).line),
    ['one', 'two', 'three'],
  );
  await transcript.close();
  const text = await readFile(join(dir, 'transcript.log'), 'utf8');
  assert.match(text, /^=== \S+ session test, wizard pid \d+$/m);
  assert.match(text, /^=== \S+ \[install\] \$ \["sh","-c",.*\]$/m);
  assert.match(text, /^ {2}\| two$/m);
  assert.match(text, /^=== exit 3 after \d+ ms$/m);
  assert.deepEqual(await readdir(join(dir, 'jobs', '0001')), ['exit.json', 'job.json', 'output.log', 'started.json', 'supervisor.log'].sort());
});

test('secret values travel to the command but never into the job folder', async () => {
  const { dir, runner } = await session();
  const result = await runner.run({ argv: ['sh', '-c', 'test "$TOKEN" = s3cr3t-value && echo ok'], env: { TOKEN: 's3cr3t-value' }, secretEnv: ['TOKEN'] });
  assert.equal(result.exitCode, 0, result.tail.join('\n'));
  for (const name of await readdir(join(dir, 'jobs', '0001'))) {
    assert.doesNotMatch(await readFile(join(dir, 'jobs', '0001', name), 'utf8'), /s3cr3t-value/, name);
  }
});

test('the command survives a hang-up and kill -9 of the process that started it; a new runner re-attaches once', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'su-runner-'));
  dirs.push(dir);
  const runnerUrl = pathToFileURL(join(import.meta.dirname, '../../dist/system/runner.js')).href;
  const transcriptUrl = pathToFileURL(join(import.meta.dirname, '../../dist/system/transcript.js')).href;
  const script = `
    const { createRunner } = await import(${JSON.stringify(runnerUrl)});
    const { openTranscript } = await import(${JSON.stringify(transcriptUrl)});
    const dir = process.argv[1];
    const runner = createRunner({ dryRun: false, transcript: openTranscript(dir + '/transcript.log'), emit: () => {}, sessionDir: dir,
      onJob: async (job) => console.log(JSON.stringify(job)) });
    await runner.run({ argv: ['sh', '-c', 'echo begun; sleep 1.5; echo survived'] });`;
  // Its own process group, like a foreground job on a terminal: the hang-up reaches the whole group.
  const wizard = spawn(process.execPath, ['--input-type=module', '-e', script, dir], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  wizard.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const job = await waitUntil(() => (out.includes('\n') ? (JSON.parse(out.split('\n')[0]!) as JobRecord) : undefined), 10_000, 'the job');
  const path = join(dir, job.dir);
  await waitUntil(async () => (await inspectJob(path, 0)).state === 'running', 10_000, 'the command to start');
  process.kill(-wizard.pid!, 'SIGHUP');
  process.kill(-wizard.pid!, 'SIGKILL');
  await new Promise((r) => wizard.on('close', r));
  const running = await inspectJob(path);
  assert.equal(running.state, 'running', 'the command runs on without the process that started it');

  const { runner, events } = await session();
  const again = createRunner({ dryRun: false, transcript: openTranscript(join(dir, 'transcript.log')), emit: (e) => events.push(e), sessionDir: dir });
  again.adopt(job);
  const lines: string[] = [];
  const result = await again.run({ argv: ['sh', '-c', 'echo begun; sleep 1.5; echo survived'] }, (l) => lines.push(l));
  assert.equal(result.exitCode, 0);
  assert.deepEqual(lines, ['begun', 'survived'], 'the whole output, followed to its end');
  assert.deepEqual(await readdir(join(dir, 'jobs')), [job.dir.split('/')[1]], 'no second job was started');
  // Adopting an ended job gives its recorded result, and still starts nothing.
  const third = createRunner({ dryRun: false, transcript: openTranscript(join(dir, 'transcript.log')), emit: () => {}, sessionDir: dir });
  third.adopt(job);
  assert.equal((await third.run({ argv: ['sh', '-c', 'echo begun; sleep 1.5; echo survived'] })).exitCode, 0);
  assert.equal((await readdir(join(dir, 'jobs'))).length, 1);
  void runner;
});

test('stop() ends the command (SIGTERM to its process group); detach() stops following and leaves it running', async () => {
  const { dir, runner } = await session();
  const pending = runner.run({ argv: ['sh', '-c', 'sleep 30 & wait'] });
  await waitUntil(() => runner.current()?.pid, 10_000, 'the command to start');
  assert.equal(runner.stop(), true);
  const stopped = await pending;
  assert.equal(stopped.exitCode, 143);
  assert.match(stopped.tail.join('\n') + JSON.stringify(await inspectJob(join(dir, 'jobs', '0001'))), /SIGTERM|stopped/);

  // It ends only once the test opens its gate (after detaching), not after a time a loaded machine may outlast.
  const gate = join(dir, 'gate-detach');
  const detaching = runner.run({ argv: ['sh', '-c', 'while [ ! -e "$1" ]; do sleep 0.05; done; echo finished', 'sh', gate] });
  await waitUntil(() => runner.current()?.pid, 10_000, 'the second command to start');
  const reason = new Error('detached for the test');
  runner.detach(reason);
  await assert.rejects(detaching, (e) => e === reason);
  await assert.rejects(runner.run({ argv: ['true'] }), (e) => e === reason, 'nothing new starts once detached');
  writeFileSync(gate, '');
  const ended = await waitUntil(
    async () => {
      const state = await inspectJob(join(dir, 'jobs', '0002'), 0);
      return state.state === 'exited' ? state : undefined;
    },
    10_000,
    'the detached command to end on its own',
  );
  assert.equal(ended.exit.exitCode, 0);
  assert.match(await readFile(join(dir, 'jobs', '0002', 'output.log'), 'utf8'), /finished/);
});

test("outputEvents 'read': the lines of each read come as one command.lines event, all of them, in order", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'su-runner-'));
  dirs.push(dir);
  const events: WizardEvent[] = [];
  const transcript = openTranscript(join(dir, 'transcript.log'));
  const runner = createRunner({ dryRun: false, transcript, emit: (e) => events.push(e), sessionDir: dir, outputEvents: 'read' });
  const seen: string[] = [];
  const result = await runner.run({ argv: ['sh', '-c', 'i=0; while [ $i -lt 20000 ]; do echo "line $i"; i=$((i+1)); done'] }, (line) => seen.push(line));
  assert.equal(result.exitCode, 0);
  assert.equal(events.filter((e) => e.type === 'command.output').length, 0, 'no event a line');
  const reads = events.filter((e) => e.type === 'command.lines');
  const lines = reads.flatMap((e) => [...e.lines]);
  const expected = Array.from({ length: 20000 }, (_, i) => `line ${i}`);
  assert.deepEqual(lines, expected);
  assert.deepEqual(seen, expected);
  assert.ok(reads.length < 20000, `${reads.length} events for 20,000 lines`);
  await transcript.close();
  const text = await readFile(join(dir, 'transcript.log'), 'utf8');
  assert.equal(text.split('\n').filter((l) => l.startsWith('  | line ')).length, 20000);
});
