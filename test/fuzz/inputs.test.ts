// A seeded fuzz test: generated homeserver configs (as YAML text, valid and broken), journals (mutated field by
// field, and garbage), version-endpoint answers (status, type, body) and homeserver.log lines are fed to the
// parsers and to every shipped note check. Each must end in a result or an AdminError with exit 0, 2 or 4 whose
// lines are worded for the admin, never an unexpected error ("This is a bug"). FUZZ_SEED and FUZZ_CASES change
// the run; a failure prints the seed and the case to replay it.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { mergeConfigFiles } from '../../src/config/homeserver-config.js';
import { clientListenerUrl } from '../../src/config/listener.js';
import { parseYamlText } from '../../src/config/yaml-file.js';
import { AdminError, describeError } from '../../src/core/errors.js';
import { labelHarmlessShutdown, migrationProgress, shortLogLine } from '../../src/core/log-progress.js';
import { evaluateNotes } from '../../src/core/notes/evaluate.js';
import { redactSecrets } from '../../src/core/secret-values.js';
import { screenValue } from '../../src/core/screen-text.js';
import { parseServerVersionBody } from '../../src/core/server-version.js';
import { interruptionLines, describeInterruption, isUnfinished } from '../../src/engine/resume.js';
import { probeServerVersion } from '../../src/system/http.js';
import { readJournal } from '../../src/system/journal.js';
import { configSource, databaseEngineOf } from '../../src/system/note-facts.js';
import { loadReleaseData, type ReleaseData } from '../../src/system/release-data.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const CASES = Number(process.env.FUZZ_CASES ?? 1500);

/** mulberry32: a small seeded generator, the same sequence on every machine. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}
type Gen = ReturnType<typeof generator>;

const KEYS = [
  'server_name',
  'listeners',
  'port',
  'type',
  'tls',
  'bind_addresses',
  'bind_address',
  'resources',
  'names',
  'x_forwarded',
  'database',
  'name',
  'args',
  'database_path',
  'log_config',
  'pid_file',
  'modules',
  'module',
  'config',
  'worker_app',
  'worker_name',
  'instance_map',
  'redis',
  'enabled',
  'password_providers',
  'oidc_providers',
  'client_secret',
  'media_storage_providers',
  'app_service_config_files',
  'enable_registration',
  'email',
  'caches',
  'public_baseurl',
  'web_client_location',
  'user_directory',
  'room_list_publication_rules',
  'experimental_features',
  'macaroon_secret_key',
  'worker_replication_secret',
  'stream_writers',
  'federation_sender_instances',
  'url_preview_enabled',
  'x_standin',
];
const STRINGS = [
  '',
  'client',
  'http',
  'psycopg2',
  'sqlite3',
  '::',
  '0.0.0.0',
  '127.0.0.1',
  'localhost',
  '1.47.0',
  'v1.47.0rc1',
  '$(touch /tmp/pwned)',
  '`id`',
  '; rm -rf /',
  '\u001b]2;pwned\u0007',
  '\u009b31m',
  '../../etc/passwd',
  '/dev/zero',
  'null',
  '~',
  'yes',
  'no',
  '0x10',
  '1e999',
  '\u0000',
  '😀',
  'a'.repeat(5000),
  '9'.repeat(400),
  'synapse.app.generic_worker',
  'http://user:pw@host/',
  '%(server_name)s',
  '\t\n\r',
];

function value(g: Gen, depth: number): unknown {
  const r = g.int(depth > 3 ? 6 : 10);
  switch (r) {
    case 0:
      return g.pick(STRINGS);
    case 1:
      return g.pick([0, -1, 1, 8008, 65535, 65536, 1e300, -0, 0.5, Number.MAX_SAFE_INTEGER]);
    case 2:
      return g.pick([true, false, null]);
    case 3:
      return g.pick(STRINGS) + String(g.int(1000));
    case 4:
      return g.int(100000);
    case 5:
      return g.pick(KEYS);
    case 6:
    case 7:
      return Array.from({ length: g.int(4) }, () => value(g, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: g.int(5) }, () => [g.next() < 0.8 ? g.pick(KEYS) : g.pick(STRINGS), value(g, depth + 1)]));
  }
}

const YAML_NOISE = [
  '&a ',
  '*a',
  '<<: *a\n',
  '!!binary ',
  '!!python/object ',
  '---\n',
  '...\n',
  '\t',
  ': ',
  '- ',
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  '#',
  '\n  ',
  '? ',
  '|',
  '>',
  '%YAML 1.1\n',
  '&b [*b]\n',
];

function configText(g: Gen): string {
  const top = Object.fromEntries(Array.from({ length: 1 + g.int(8) }, () => [g.pick(KEYS), value(g, 0)]));
  let text = stringify(top);
  const edits = g.next() < 0.5 ? 0 : 1 + g.int(4);
  for (let i = 0; i < edits; i++) {
    const at = g.int(text.length + 1);
    text = g.next() < 0.7 ? text.slice(0, at) + g.pick(YAML_NOISE) + text.slice(at) : text.slice(0, at) + text.slice(at + 1 + g.int(10));
  }
  return text;
}

/** Runs `fn`; an error must be an AdminError with exit 0, 2 or 4, shown in the admin's words. */
async function handled(what: string, fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (error) {
    const lines = describeError(error).join('\n');
    assert.ok(error instanceof AdminError && [0, 2, 4].includes(error.exitCode), `seed ${SEED}, ${what}: ${lines}\n${(error as Error).stack ?? ''}`);
    assert.doesNotMatch(lines, /This is a bug/, `seed ${SEED}, ${what}`);
  }
}

let steps: ReleaseData;
let dir: string;
before(async () => {
  steps = await loadReleaseData();
  dir = await mkdtemp(join(tmpdir(), 'su-fuzz-'));
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test(`generated configs: parsed, listener found, every shipped note checked, evidence masked (seed ${SEED}, ${CASES} cases)`, async () => {
  const g = generator(SEED);
  for (let i = 0; i < CASES; i++) {
    const text = configText(g);
    const path = `/etc/matrix-synapse/fuzz-${i}.yaml`;
    await handled(`config case ${i}:\n${text.slice(0, 2000)}`, () => {
      const file = parseYamlText(path, text);
      const config = mergeConfigFiles([path], [file]);
      clientListenerUrl(config);
      const rows = [Object.fromEntries([[g.pick(KEYS), value(g, 2)]])];
      const facts = {
        config: configSource(config),
        database: databaseEngineOf(config),
        hasWorkers: g.next() < 0.5,
        platform: { python: String(value(g, 3)), sqlite: g.pick(['3.40.1', '', 'x', '3']) },
        queries: Object.fromEntries(steps.queries.map((q) => [q.id, g.next() < 0.5 ? { rows } : { error: String(value(g, 3)) }])),
      };
      const results = evaluateNotes(steps.notes, facts as never);
      assert.equal(results.length, steps.notes.length);
      screenValue(redactSecrets(file.value));
    });
  }
});

const VALID_JOURNAL = {
  format: 2,
  sessionId: 'abc',
  startedAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  dryRun: false,
  install: { method: 'pip', evidence: [], installedVersion: '1.46.0', runningVersion: '1.46.0', configPaths: ['/etc/hs.yaml'], url: 'http://127.0.0.1:8008' },
  from: '1.46.0',
  to: '1.47.0',
  acknowledgedNotes: [],
  outcome: null,
  transcript: '/var/lib/x/transcript.log',
  steps: [
    { id: 'install', status: 'running', startedAt: '2026-01-01T00:00:00Z', command: ['pip', 'install'], job: { dir: 'jobs/0001', argv: ['pip', 'install'] } },
  ],
  events: [{ at: '2026-01-01T00:00:00Z', kind: 'interrupted', reason: 'SIGHUP', step: 'install', pid: 1 }],
};

function mutate(g: Gen, target: unknown, depth = 0): unknown {
  if (target === null || typeof target !== 'object' || depth > 4 || g.next() < 0.15) return g.next() < 0.5 ? value(g, 2) : target;
  const copy: Record<string, unknown> = Array.isArray(target) ? ([...target] as never) : { ...(target as Record<string, unknown>) };
  const keys = Object.keys(copy);
  for (let n = 1 + g.int(2); n > 0 && keys.length; n--) {
    const key = g.pick(keys);
    const roll = g.next();
    if (roll < 0.2) delete copy[key];
    else copy[key] = mutate(g, copy[key], depth + 1);
  }
  return copy;
}

test(`mutated and broken journals: loaded and described, or refused with exit 2 (seed ${SEED})`, async () => {
  const g = generator(SEED + 1);
  const cases = Math.ceil(CASES / 2);
  for (let i = 0; i < cases; i++) {
    const session = join(dir, `s${i % 8}`);
    const data = mutate(g, VALID_JOURNAL);
    let text = JSON.stringify(data);
    if (g.next() < 0.1) text = text.slice(0, g.int(text.length));
    await writeFile(join(session, 'journal.json'), text).catch(async () => {
      await import('node:fs/promises').then((fs) => fs.mkdir(session, { recursive: true }));
      await writeFile(join(session, 'journal.json'), text);
    });
    await handled(`journal case ${i}: ${text.slice(0, 2000)}`, async () => {
      const journal = await readJournal(session);
      if (!journal) return;
      if (isUnfinished(journal)) interruptionLines(await describeInterruption(session, journal));
    });
  }
});

test(`version-endpoint answers and homeserver.log lines: a version or a reason, never a crash (seed ${SEED})`, async () => {
  const g = generator(SEED + 2);
  const bodies = (): string => {
    const r = g.int(5);
    if (r === 0) return JSON.stringify({ server_version: value(g, 2), python_version: value(g, 2) });
    if (r === 1) return JSON.stringify(value(g, 0));
    if (r === 2) return `<html>${String(value(g, 2))}</html>`;
    if (r === 3) return JSON.stringify({ server_version: `${g.pick(['1.47.0', 'v1.2', '9'.repeat(300), ''])}${g.pick(STRINGS)}` });
    return String(value(g, 1)).slice(0, g.int(200));
  };
  for (let i = 0; i < CASES; i++) {
    const status = g.pick([200, 200, 200, 201, 301, 404, 500, 502]);
    const type = g.pick(['application/json', 'text/html', '', 'text/plain; charset=utf-8']);
    const body = bodies();
    try {
      const answer = parseServerVersionBody(status, type, body);
      assert.ok(answer.version.length < 64 && answer.raw.length <= 64, `seed ${SEED}, http case ${i}`);
    } catch (error) {
      assert.equal((error as Error).constructor, Error, `seed ${SEED}, http case ${i}: ${(error as Error).stack}`);
      assert.ok((error as Error).message.length < 600, `seed ${SEED}, http case ${i}: a reason of ${(error as Error).message.length} characters`);
    }
    const lines = Array.from({ length: 1 + g.int(5) }, () => `2026-01-01 00:00:00,000 - synapse.storage - 1 - INFO - main - ${String(value(g, 3))}`);
    migrationProgress(lines);
    lines.map(shortLogLine);
    labelHarmlessShutdown(lines);
  }
  // A few through real HTTP on loopback: the probe never throws.
  let next = { status: 200, body: '' };
  const server = createServer((_req, res) => {
    res.writeHead(next.status, { 'content-type': 'application/json' });
    res.end(next.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (let i = 0; i < 40; i++) {
      next = { status: g.pick([200, 500, 404]), body: bodies() };
      const probe = await probeServerVersion(url, 2000);
      assert.ok(probe.ok || probe.reason.length > 0);
    }
  } finally {
    server.close();
  }
});
