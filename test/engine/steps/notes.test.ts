import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { mergeConfigFiles } from '../../../src/config/homeserver-config.js';
import { parseYamlText } from '../../../src/config/yaml-file.js';
import { ExitCode } from '../../../src/core/errors.js';
import { notesStep } from '../../../src/engine/steps/notes.js';
import type { ReleaseData } from '../../../src/system/release-data.js';
import { adminError, fakeInstall, fakePicture, fakeSession, releaseDataWith } from '../../helpers/step-fakes.js';

// The shipped release notes of 1.48.0 (steps/releases/v1.48.0.yaml), checked against a config held in memory: 1.47.0 → 1.48.0, whose
// breaking note fires on a top-level trust_identity_server_for_password_resets. No database (no query runs).
let data: ReleaseData;
before(async () => {
  data = await releaseDataWith(['v1.48.0.yaml']);
});

const NOTE = 'v1-48-top-level-trust-identity-server-error';
const CONFIG = '/srv/synapse/homeserver.yaml';

function session(yaml: string, over: Parameters<typeof fakeSession>[0] = {}) {
  const config = mergeConfigFiles([CONFIG], [parseYamlText(CONFIG, `server_name: example.test\n${yaml}`)]);
  return fakeSession({
    picture: fakePicture({ install: fakeInstall({ installedVersion: '1.47.0' }), config }),
    from: '1.47.0',
    decision: { kind: 'upgrade', target: '1.48.0' },
    ...over,
    system: { releaseData: async () => data, database: { info: () => ({ error: 'no database in this test' }) } },
  });
}

test('notes: a breaking note that applies is asked about, with where the config says it; "ack" goes on', async () => {
  const s = session('trust_identity_server_for_password_resets: true\n');
  await notesStep.run(s.ctx);
  const question = s.asked.find((q) => q.id === `note:${NOTE}`);
  assert.ok(question, s.asked.map((q) => q.id).join(', '));
  assert.match(question.text, /^\[breaking\] v1\.48\.0: Top-level trust_identity_server_for_password_resets is a config error$/);
  assert.ok(question.details?.some((d) => d.startsWith(`${CONFIG}:2: `)), question.details?.join('\n'));
  assert.ok(s.events.some((e) => e.type === 'note' && e.note.id === NOTE && e.note.applies === 'yes'));
  assert.match(s.finished().at(-1) ?? '', /^notes:done \d+ notes: 1 apply, \d+ unknown, \d+ acknowledged$/);
});

test('notes: the same note does not apply when the config does not set it: not asked', async () => {
  const s = session('');
  await notesStep.run(s.ctx);
  assert.equal(
    s.asked.find((q) => q.id === `note:${NOTE}`),
    undefined,
  );
  assert.ok(s.events.some((e) => e.type === 'note' && e.note.id === NOTE) === false, 'a note that does not apply is not shown');
});

test('notes: under --yes a breaking note that applies refuses the upgrade (exit 4) and names --accept-notes', async () => {
  const s = session('trust_identity_server_for_password_resets: true\n', { opts: { yes: true, dryRun: false, pre: false, acceptAllNotes: false } });
  const error = await adminError(notesStep.run(s.ctx));
  assert.match(error.message, new RegExp(`^Refused by a note: "Top-level trust_identity_server_for_password_resets is a config error" \\(${NOTE}, v1\\.48\\.0\\) is breaking and applies to this server \\(`));
  assert.equal(error.exitCode, ExitCode.refused);
  assert.equal(error.serverState, 'nothing was changed');
  assert.match(error.nextStep ?? '', new RegExp(`then run again with --accept-notes ${NOTE}\\.$`));
});

test('notes: --accept-notes acknowledges it without asking', async () => {
  const s = session('trust_identity_server_for_password_resets: true\n', { opts: { yes: true, dryRun: false, pre: false, acceptNotes: [NOTE], acceptAllNotes: false } });
  await notesStep.run(s.ctx).catch((e: unknown) => {
    // Other notes of the range may need a word too; this one must not be what stops it.
    assert.doesNotMatch(String(e), new RegExp(NOTE));
  });
  assert.equal(
    s.asked.find((q) => q.id === `note:${NOTE}`),
    undefined,
  );
});

test('notes: "stop" at the note ends the session, nothing changed', async () => {
  const s = session('trust_identity_server_for_password_resets: true\n', { answers: { [`note:${NOTE}`]: 'stop' } });
  const error = await adminError(notesStep.run(s.ctx));
  assert.equal(error.message, `Stopped at note ${NOTE} at your request.`);
  assert.equal(error.code, 'stopped');
  assert.equal(error.serverState, 'nothing was changed');
});
