import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { evaluateNotes } from '../../src/core/notes/evaluate.js';
import type { NoteResult } from '../../src/core/notes/types.js';
import { gatherNoteFacts } from '../../src/system/note-facts.js';
import { loadReleaseData } from '../../src/system/release-data.js';
import { tempDir } from '../helpers/temp-dir.js';

const CONFIGS = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'configs');
const LEGACY = join(CONFIGS, 'legacy');
const steps = await loadReleaseData();

const legacy = await gatherNoteFacts({
  configPaths: [join(LEGACY, 'homeserver.yaml'), join(LEGACY, 'conf.d')],
  workerConfigPaths: [join(LEGACY, 'workers', 'appservice.yaml'), join(LEGACY, 'workers', 'media.yaml')],
});
const results = new Map<string, NoteResult>(evaluateNotes(steps.notes, legacy.facts).map((r) => [r.id, r]));
const applies = (id: string) => results.get(id)?.applies;
const at = (id: string) => (results.get(id)?.findings ?? []).filter((f) => f.file !== null).map((f) => `${f.file?.slice(LEGACY.length + 1)}:${f.line}`);

test('the log config, app service registrations, conf.d and worker configs are all read', () => {
  assert.deepEqual(legacy.warnings, []);
  assert.equal(legacy.facts.database, 'psycopg2');
  assert.equal(legacy.facts.hasWorkers, true);
  assert.deepEqual(
    legacy.facts.logConfig?.sources.map((s) => s.file),
    [join(LEGACY, 'legacy.log.config')],
    'relative to homeserver.yaml',
  );
  assert.deepEqual(
    legacy.facts.appServices?.sources.map((s) => s.file),
    [join(LEGACY, 'bridge-registration.yaml')],
  );
});

test('notes that should apply to the legacy config do, with the evidence line', () => {
  const expected: Record<string, string[]> = {
    'v1-50-webclient-breaks-client-api': ['homeserver.yaml:10'],
    'v1-53-webclient-removed': ['homeserver.yaml:10'],
    'v1-53-cache-expiry-default': ['homeserver.yaml:22'],
    'v1-54-structured-logging-removed': ['legacy.log.config:2'],
    'v1-56-open-registration-refused': ['homeserver.yaml:20'],
    'v1-57-stop-appservice-worker': ['homeserver.yaml:25', 'workers/appservice.yaml:1'],
    'v1-66-threepid-delegate-email-removed': ['homeserver.yaml:24'],
    'v1-67-tcp-replication-removed': ['homeserver.yaml:12'],
    'v1-71-appservice-user-regex-local-only': ['bridge-registration.yaml:9'],
    'v1-73-legacy-metrics-removed': ['conf.d/50-metrics.yaml:2'],
    'v1-84-worker-replication-keys-deprecated': ['workers/appservice.yaml:3', 'workers/appservice.yaml:4'],
    'v1-111-authenticated-media-routes': ['workers/media.yaml:7'],
    'v1-120-authenticated-media-default': ['homeserver.yaml:null'],
    'v1-157-msc3861-removed': ['homeserver.yaml:28'],
  };
  for (const [id, lines] of Object.entries(expected)) {
    assert.equal(applies(id), 'yes', id);
    assert.deepEqual(at(id), lines, id);
  }
  assert.equal(applies('v1-67-workers-need-redis'), 'yes');
  assert.equal(applies('v1-88-worker-replication-keys-removed'), 'yes');
});

test('notes that should not apply to the legacy config do not, and missing facts stay unknown', () => {
  for (const id of [
    'v1-55-mjolnir-1-3-2',
    'v1-140-s3-storage-provider-1-6',
    'v1-48-top-level-trust-identity-server-error',
    'v1-68-sqlite-3-27',
    'v1-71-legacy-metrics-off',
    'v1-157-empty-experimental-features',
    'v1-8-log-file-refused',
  ]) {
    assert.equal(applies(id), 'no', id);
  }
  assert.equal(applies('v1-56-postgres-locale-refused'), 'unknown', 'the query was not run');
  assert.equal(applies('v1-143-postgres-14'), 'unknown', 'the PostgreSQL version is not known');
  assert.equal(applies('v1-150-systemd-extra-removed'), 'unknown', 'journal handler found, install method not known');
  assert.deepEqual(at('v1-150-systemd-extra-removed'), ['legacy.log.config:12']);
});

test('the plain config: nothing old applies; SQLite and platform notes stay unknown', async () => {
  const plain = await gatherNoteFacts({ configPaths: [join(CONFIGS, 'plain', 'homeserver.yaml')] });
  const r = new Map(evaluateNotes(steps.notes, plain.facts).map((x) => [x.id, x]));
  for (const id of [
    'v1-53-webclient-removed',
    'v1-54-structured-logging-removed',
    'v1-56-open-registration-refused',
    'v1-57-stop-appservice-worker',
    'v1-120-authenticated-media-default',
    'v1-126-room-publication-admins-only',
    'v1-143-postgres-14',
  ]) {
    assert.equal(r.get(id)?.applies, 'no', id);
  }
  assert.equal(r.get('v1-29-x-forwarded-proto')?.applies, 'yes');
  assert.equal(r.get('v1-29-x-forwarded-proto')?.findings[0]?.line, 9);
  assert.equal(r.get('v1-142-sqlite-3-37-2')?.applies, 'unknown');
  const withPlatform = await gatherNoteFacts({ configPaths: [join(CONFIGS, 'plain', 'homeserver.yaml')], platform: { sqlite: '3.34.1', python: '3.11.2' } });
  const p = new Map(evaluateNotes(steps.notes, withPlatform.facts).map((x) => [x.id, x]));
  assert.equal(p.get('v1-142-sqlite-3-37-2')?.applies, 'yes');
  assert.equal(p.get('v1-68-sqlite-3-27')?.applies, 'no');
  assert.equal(p.get('v1-142-python-3-10')?.applies, 'no');
});

test('an unreadable file named by the config gives unknown and a warning, never no', async () => {
  const dir = await tempDir('su-facts-');
  await writeFile(join(dir, 'homeserver.yaml'), 'server_name: x\napp_service_config_files: [missing.yaml]\nlog_config: /nonexistent/log.yaml\n');
  const { facts, warnings } = await gatherNoteFacts({ configPaths: [join(dir, 'homeserver.yaml')] });
  assert.equal(warnings.length, 2);
  assert.match(warnings[0] ?? '', /log config \/nonexistent\/log\.yaml could not be read/);
  const r = new Map(evaluateNotes(steps.notes, facts).map((x) => [x.id, x.applies]));
  assert.equal(r.get('v1-54-structured-logging-removed'), 'unknown');
  assert.equal(r.get('v1-71-appservice-user-regex-local-only'), 'unknown');
  assert.equal(r.get('v1-32-appservice-login-type'), 'yes', 'the config itself still names app services');
});

test('an unreadable config: every config check is unknown, with the reason', async () => {
  const { facts, warnings } = await gatherNoteFacts({ configPaths: [join(CONFIGS, 'broken', 'homeserver.yaml')] });
  assert.match(warnings[0] ?? '', /config could not be read.*homeserver\.yaml:4/);
  const r = evaluateNotes(steps.notes, facts);
  assert.equal(r.find((x) => x.id === 'v1-53-webclient-removed')?.applies, 'unknown');
  assert.ok(!r.some((x) => x.applies === 'no' && x.id === 'v1-56-open-registration-refused'));
});

test('log configs as Synapse finds them: a relative log_config against the start folder, and each worker_log_config', async () => {
  const root = await tempDir('note-facts-logs-');
  try {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(root, 'etc'));
    await mkdir(join(root, 'run'));
    await writeFile(join(root, 'etc', 'homeserver.yaml'), 'server_name: a.example\nlog_config: log.yaml\n');
    await writeFile(join(root, 'etc', 'log.yaml'), 'version: 1\n');
    await writeFile(join(root, 'run', 'log.yaml'), 'version: 1\nstructured: true\n');
    await writeFile(join(root, 'etc', 'worker1.yaml'), 'worker_app: synapse.app.generic_worker\nworker_log_config: worker1.log.yaml\n');
    await writeFile(join(root, 'etc', 'worker1.log.yaml'), 'version: 1\nhandlers:\n  j:\n    class: systemd.journal.JournalHandler\n');
    const configPaths = [join(root, 'etc', 'homeserver.yaml')];
    const ids = ['v1-54-structured-logging-removed', 'v1-150-systemd-extra-removed'];
    const notes = steps.notes.filter((n) => ids.includes(n.id));
    const verdicts = async (extra: Parameters<typeof gatherNoteFacts>[0]) =>
      Object.fromEntries(
        evaluateNotes(notes, (await gatherNoteFacts({ configPaths, installMethod: 'pip', ...extra })).facts).map((r) => [
          r.id,
          `${r.applies} ${r.findings.map((f) => f.file?.slice(root.length + 1)).join(',')}`,
        ]),
      );
    assert.deepEqual(
      await verdicts({}),
      { 'v1-54-structured-logging-removed': 'no ', 'v1-150-systemd-extra-removed': 'no ' },
      'relative to the config folder when the start folder is not known',
    );
    assert.deepEqual(await verdicts({ workingDir: join(root, 'run') }), {
      'v1-54-structured-logging-removed': 'yes run/log.yaml',
      'v1-150-systemd-extra-removed': 'no ',
    });
    const withWorker = await verdicts({ workerConfigPaths: [join(root, 'etc', 'worker1.yaml')] });
    assert.match(withWorker['v1-150-systemd-extra-removed']!, /^yes .*etc\/worker1\.log\.yaml/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
