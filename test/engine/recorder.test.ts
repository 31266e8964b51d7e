import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AdminError } from '../../src/core/errors.js';
import type { InstallSummary } from '../../src/core/events.js';
import { SessionRecorder } from '../../src/engine/recorder.js';

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
const install: InstallSummary = {
  method: 'pip',
  evidence: [],
  installedVersion: '1.46.0',
  runningVersion: '1.46.0',
  configPaths: ['/x/homeserver.yaml'],
  url: 'http://127.0.0.1:8008',
};
const onDisk = async (dir: string) => JSON.parse(await readFile(join(dir, 'journal.json'), 'utf8'));

test('a step that changes the server does not start when the state folder is (nearly) full, and says why', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'su-recorder-'));
  dirs.push(dir);
  let free = 10 * 1024 * 1024;
  const recorder = new SessionRecorder(dir, false, install, { freeBytes: async () => free });
  await recorder.setTarget('1.47.0');
  await recorder.step('notes', 'running');
  free = 40 * 1024; // filled up meanwhile
  await recorder.step('notes', 'done'); // read-only steps go on: only what changes the server must be resumable
  await assert.rejects(
    recorder.step('install', 'running', { command: ['pip', 'install'] }),
    (error: unknown) =>
      error instanceof AdminError &&
      error.exitCode === 2 &&
      /is full: 40 KiB free, 1024 KiB needed\. The step "Install the new version" will not start/.test(error.message),
  );
  assert.deepEqual(
    (await onDisk(dir)).steps.map((s: { id: string }) => s.id),
    ['notes'],
    'the install was never recorded as started',
  );
});

test('writes are serialised; after an interruption is recorded nothing more is written', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'su-recorder-'));
  dirs.push(dir);
  const recorder = new SessionRecorder(dir, false, install, { freeBytes: async () => 1e9 });
  await Promise.all([recorder.setTarget('1.47.0'), recorder.step('notes', 'running'), recorder.step('notes', 'done'), recorder.step('install', 'running')]);
  assert.deepEqual(
    (await onDisk(dir)).steps.map((s: { id: string; status: string }) => `${s.id}:${s.status}`),
    ['notes:done', 'install:running'],
  );
  await recorder.interrupted('SIGHUP', 'install');
  await recorder.step('install', 'done'); // a step finishing in the background after the wizard left
  const journal = await onDisk(dir);
  assert.equal(journal.outcome, 'interrupted');
  assert.deepEqual(
    journal.events.map((e: { kind: string; reason: string; step: string }) => [e.kind, e.reason, e.step]),
    [['interrupted', 'SIGHUP', 'install']],
  );
  assert.equal(journal.steps.find((s: { id: string }) => s.id === 'install').status, 'running');
});

test('a journal that cannot be written stops the wizard with a clear error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'su-recorder-'));
  dirs.push(dir);
  await writeFile(join(dir, 'blocker'), 'a file where the session folder should be');
  const recorder = new SessionRecorder(join(dir, 'blocker', 'session'), false, install, { freeBytes: async () => 1e9 });
  await assert.rejects(
    recorder.setTarget('1.47.0'),
    (error: unknown) =>
      error instanceof AdminError && error.exitCode === 2 && /journal\.json cannot be written \(ENOTDIR\)\. The wizard stops here/.test(error.message),
  );
});
