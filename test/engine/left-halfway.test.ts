import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InstallSummary } from '../../src/core/events.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isUnfinished, leftHalfway, openSession } from '../../src/engine/resume.js';
import { writeJournal, type Journal } from '../../src/system/journal.js';
import { tempDir } from '../helpers/temp-dir.js';

const journal = (over: Partial<Journal>): Journal => ({
  format: 2,
  sessionId: 's',
  startedAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
  dryRun: false,
  install: undefined,
  from: '1.46.0',
  to: '1.49.0',
  steps: [],
  acknowledgedNotes: [],
  outcome: 'failed',
  transcript: '/tmp/t.log',
  ...over,
});
const install = (installedVersion: string, runningVersion: string | undefined, config = '/etc/matrix-synapse/homeserver.yaml'): InstallSummary => ({
  method: 'debian',
  evidence: [],
  installedVersion,
  runningVersion,
  configPaths: [config],
  url: 'http://127.0.0.1:8008',
});

test('a failed session whose target is installed but not what Synapse serves is carried on by `resume`', () => {
  assert.equal(isUnfinished(journal({})), false, 'not unfinished: only `resume` picks it up');
  assert.equal(leftHalfway(journal({}), install('1.49.0', '1.46.0')), true);
  assert.equal(leftHalfway(journal({}), install('1.49.0', undefined)), true, 'installed and not answering at all');
});

test('nothing halfway: the target serves, the old version is back, another outcome, a dry run', () => {
  assert.equal(leftHalfway(journal({}), install('1.49.0', '1.49.0')), false);
  assert.equal(leftHalfway(journal({}), install('1.46.0', '1.46.0')), false, 'rolled back');
  assert.equal(leftHalfway(journal({ outcome: 'rolled-back' }), install('1.49.0', '1.46.0')), false);
  assert.equal(leftHalfway(journal({ outcome: 'upgraded' }), install('1.49.0', '1.46.0')), false);
  assert.equal(leftHalfway(journal({ dryRun: true }), install('1.49.0', '1.46.0')), false);
  assert.equal(leftHalfway(journal({ to: undefined }), install('1.49.0', '1.46.0')), false);
});

test('`synapse-upgrade resume` opens such a session (journal on disk, locks taken); once the target serves there is nothing to resume', async () => {
  const dir = await tempDir('su-halfway-');
  const config = join(dir, 'homeserver.yaml');
  await writeFile(config, 'server_name: example.org\n');
  const sessionDir = join(dir, 'state');
  await mkdir(sessionDir, { mode: 0o700 });
  const failed = journal({
    transcript: join(sessionDir, 'transcript.log'),
    steps: [{ id: 'config-check', status: 'failed', summary: '1.49.0 rejects the config' }],
  });
  const open = (summary: InstallSummary) =>
    openSession({
      opts: { yes: true, dryRun: false, pre: false, resume: 'only' },
      deps: { emit: () => {}, ask: () => Promise.reject(new Error('not asked under resume')) },
      sessionDir,
      install: summary,
    });
  await writeJournal(sessionDir, failed);
  const opened = await open(install('1.49.0', '1.46.0', config));
  try {
    assert.equal(opened.resume?.journal.to, '1.49.0');
    assert.equal(opened.resume?.interruption.step, 'config-check');
    assert.equal(opened.recorder.journal.outcome, undefined, 'carried on: no outcome until this run ends');
  } finally {
    opened.lock?.release();
  }
  await writeJournal(sessionDir, failed);
  await assert.rejects(open(install('1.49.0', '1.49.0', config)), /Nothing to resume: the last session ended \(failed\)/);
});
