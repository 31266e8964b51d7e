import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { ExitCode } from '../../../src/core/errors.js';
import type { WizardEvent } from '../../../src/core/events.js';
import type { PreflightCheck } from '../../../src/core/preflight.js';
import { preflightStep } from '../../../src/engine/steps/preflight.js';
import type { ReleaseData } from '../../../src/system/release-data.js';
import { adminError, fakeDatabase, fakeInstall, fakePicture, fakeSession, releaseDataWith, type SystemOverrides } from '../../helpers/step-fakes.js';

// The shipped release data (steps/: platform floors and schema facts): the platform floors and schema facts the checks compare against.
let data: ReleaseData;
before(async () => {
  data = await releaseDataWith([]);
});

const GiB = 1024 ** 3;
const uid = process.getuid?.() ?? 0;

/** A healthy SQLite server: owned venv, room on disk, no pending updates, schema_compat_version readable. */
function healthy(rows: Record<string, Record<string, unknown>[]> = {}): SystemOverrides {
  return {
    releaseData: async () => data,
    database: {
      info: () => fakeDatabase('sqlite3', { background_updates: [], schema_compat_version: [{ compat_version: 83 }], ...rows }),
      bytes: async () => ({ bytes: 50 * 1024 * 1024 }),
    },
    files: {
      writableDirProblem: async () => undefined,
      freeSpace: async (path) => ({ path, free: 100 * GiB, device: 1 }),
      ownerOf: async () => ({ uid, name: 'synapse' }),
      userName: async () => 'synapse',
    },
  };
}

const checks = (events: WizardEvent[]): Pick<PreflightCheck, 'name' | 'status'>[] =>
  events.flatMap((e) => (e.type === 'check' ? [{ name: e.name, status: e.status }] : []));

test('preflight: every check passes: each one is shown with its evidence and the step is done', async () => {
  const s = fakeSession({ system: healthy() });
  await preflightStep.run(s.ctx);
  const shown = checks(s.events);
  assert.ok(shown.length >= 5, JSON.stringify(shown));
  assert.deepEqual(
    shown.filter((c) => c.status !== 'pass'),
    [],
  );
  assert.equal(s.ctx.preflight?.length, shown.length);
  assert.deepEqual(s.finished(), [`preflight:done ${shown.length} checks: ${shown.length} pass, 0 warn, 0 fail`]);
  assert.deepEqual(s.ctx.summary, []);
});

test('preflight: pending background updates are a warning kept in the summary (interactive)', async () => {
  const s = fakeSession({ system: healthy({ background_updates: [{ update_name: 'event_search_index' }] }) });
  await preflightStep.run(s.ctx);
  assert.deepEqual(s.ctx.summary, ['Preflight warning: Background updates: 1 still pending in background_updates: event_search_index.']);
  assert.match(s.messages('warn')[0] ?? '', /^Background updates: Better let them finish first/);
});

test('preflight: under --yes pending background updates refuse the upgrade (exit 4), with the fix as the next step', async () => {
  const s = fakeSession({ opts: { yes: true, dryRun: false, pre: false }, system: healthy({ background_updates: [{ update_name: 'event_search_index' }] }) });
  const error = await adminError(preflightStep.run(s.ctx));
  assert.equal(error.message, 'Preflight refused the upgrade: Background updates: 1 still pending in background_updates: event_search_index.');
  assert.equal(error.exitCode, ExitCode.refused);
  assert.equal(error.serverState, 'nothing was changed');
  assert.match(error.nextStep ?? '', /^Let them finish first/);
});

test('preflight: only the backup folder is wrong: exit 2 (a usage error)', async () => {
  const system = healthy();
  system.files = { ...system.files, writableDirProblem: async () => 'EACCES' };
  const s = fakeSession({ system });
  const error = await adminError(preflightStep.run(s.ctx));
  assert.equal(error.message, 'Preflight refused the upgrade: Backup folder: /nonexistent/session/backups cannot be written (EACCES).');
  assert.equal(error.exitCode, ExitCode.usage);
});

test("preflight: a Python older than the target's floor refuses it, with every failure listed", async () => {
  const system = healthy();
  system.files = { ...system.files, writableDirProblem: async () => 'EACCES' };
  const s = fakeSession({ system, picture: fakePicture({ install: fakeInstall({ pythonVersion: '3.5.2' }) }) });
  const error = await adminError(preflightStep.run(s.ctx));
  assert.match(error.message, /^Preflight refused the upgrade:\n {2}- Python version: Python 3\.5\.2 .* is older than 3\.6.*\n {2}- Backup folder: /);
  assert.equal(error.exitCode, ExitCode.refused);
});

test("preflight: an unreadable database size is a warning, never a refusal; the venv's Python is asked when versions are unknown", async () => {
  const system = healthy();
  let asked = '';
  system.database = {
    ...system.database,
    bytes: async () => ({ error: 'permission denied' }),
    pythonRuntime: async (python) => ((asked = python), { python: '3.11.2', sqlite: '3.40.1' }),
  };
  const s = fakeSession({ system, picture: fakePicture({ install: fakeInstall({ pythonVersion: undefined }) }) });
  await preflightStep.run(s.ctx);
  assert.equal(asked, '/srv/synapse/env/bin/python');
  assert.ok(s.ctx.summary.some((l) => /^Preflight warning: Free disk: the database size is unknown: permission denied/.test(l)), s.ctx.summary.join('\n'));
});

test('preflight: a dry run does not create the backup folder', async () => {
  const system = healthy();
  system.files = { ...system.files, writableDirProblem: async () => assert.fail('a dry run creates no folder') };
  const s = fakeSession({ runner: { dryRun: true }, opts: { yes: false, dryRun: true, pre: false }, system });
  await preflightStep.run(s.ctx);
  assert.ok(s.events.some((e) => e.type === 'check' && e.name === 'Backup folder' && /not created in a dry run/.test(e.evidence)));
});
