import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadHomeserverConfig } from '../../src/config/homeserver-config.js';
import { evaluateNotes } from '../../src/core/notes/evaluate.js';
import { restartFact, serverNoteContext, workersFact } from '../../src/engine/note-context.js';
import type { Install } from '../../src/methods/types.js';
import { gatherNoteFacts } from '../../src/system/note-facts.js';
import { loadReleaseData } from '../../src/system/release-data.js';
import { placeStockConfig } from '../helpers/stock-notes.js';
import { which } from '../helpers/tools.js';

const STOCK = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'stock-configs');
const python = which('python3')!;

function pipInstall(over: Partial<Install> = {}): Install {
  return {
    method: 'pip',
    evidence: [],
    confidence: 'high',
    configPaths: [],
    installedVersion: '1.46.0',
    extras: [],
    pythonVersion: undefined,
    sqliteVersion: undefined,
    venv: '/srv/synapse/env',
    python,
    restart: { kind: 'synctl', synctl: '/srv/synapse/env/bin/synctl', config: '/srv/synapse/homeserver.yaml', workersDir: undefined },
    workers: [],
    ...over,
  } as Install;
}

test('workers and the restart manager as detection found them, worded as evidence', () => {
  assert.deepEqual(workersFact(pipInstall()).present, false);
  assert.match(workersFact(pipInstall()).evidence, /^detection found no worker \(looked at systemd worker units/);
  const one = workersFact(
    pipInstall({
      workers: [
        { name: 'media1', app: 'synapse.app.media_repository', configPath: '/w/media1.yaml', unit: undefined, url: undefined, from: 'worker config in /w' },
      ],
    }),
  );
  assert.deepEqual(one, { present: true, evidence: 'detection found 1 worker(s): media1 (worker config in /w)' });
  assert.deepEqual(restartFact(pipInstall()), { kind: 'synctl', evidence: 'Synapse is restarted by synctl (/srv/synapse/env/bin/synctl), not by systemd' });
});

test("the venv's real Python and SQLite versions decide the platform notes (no 'unknown'); a PostgreSQL that cannot be reached leaves them unknown with a warning", async () => {
  const placed = await placeStockConfig(join(STOCK, 'v1.46.0'), '/tmp/gen/1.46.0');
  try {
    const config = await loadHomeserverConfig([placed.config]);
    const known = await serverNoteContext({ install: pipInstall({ configPaths: [placed.config] }), config });
    const real = execFileSync(python, ['-c', 'import sqlite3, sys; print("%d.%d.%d" % sys.version_info[:3], sqlite3.sqlite_version)'], { encoding: 'utf8' })
      .trim()
      .split(' ');
    assert.deepEqual([known.platform.python, known.platform.sqlite], real);
    assert.equal(known.platformSources.python, python);
    assert.deepEqual(known.warnings, []);
    const steps = await loadReleaseData();
    const { facts } = await gatherNoteFacts({
      config,
      installMethod: 'pip',
      platform: known.platform,
      platformSources: known.platformSources,
      workers: known.workers,
      restart: known.restart,
      workerConfigPaths: [],
    });
    const platformNotes = steps.notes.filter((n) => JSON.stringify(n.checks ?? {}).includes('"platform"') && !n.concerns.methods);
    assert.ok(platformNotes.length >= 8);
    for (const r of evaluateNotes(platformNotes, facts)) {
      if (r.id.includes('postgres') && !r.id.includes('python')) assert.equal(r.applies, 'no', `${r.id}: sqlite server`);
      else assert.notEqual(r.applies, 'unknown', `${r.id}: ${r.findings.map((f) => f.message).join('; ')}`);
    }
    const systemd = evaluateNotes(
      steps.notes.filter((n) => n.id === 'v1-68-long-delta-systemd-timeout'),
      facts,
    )[0];
    assert.equal(systemd?.applies, 'no');

    const pgConfig = await loadHomeserverConfig([placed.config]);
    (pgConfig.values as Record<string, unknown>).database = {
      name: 'psycopg2',
      args: { host: '127.0.0.1', port: 1, user: 'synapse', database: 'synapse', connect_timeout: 2 },
    };
    const pg = await serverNoteContext({ install: pipInstall({ configPaths: [placed.config] }), config: pgConfig });
    assert.equal(pg.platform.postgresql, undefined);
    assert.match(pg.warnings.join('\n'), /PostgreSQL version could not be read/);
  } finally {
    await placed.cleanup();
  }
});

test('a relative log_config is read from the folder the homeserver was started in (install.startDir), as Synapse reads it, not from the config folder', async () => {
  const { mkdtemp, mkdir, rm, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { evaluateServerNotes } = await import('../../src/engine/steps/notes.js');
  const root = await mkdtemp(join(tmpdir(), 'su-startdir-'));
  try {
    // `cd /srv/run && synctl start /etc/synapse/homeserver.yaml`: log.yaml next to the config is a leftover
    // plain one; the one Synapse reads is in the folder it started in, and it is structured.
    const [etc, run] = [join(root, 'etc'), join(root, 'run')];
    await mkdir(etc);
    await mkdir(run);
    await writeFile(
      join(etc, 'homeserver.yaml'),
      'server_name: x.test\nreport_stats: false\nlog_config: log.yaml\ndatabase: {name: sqlite3, args: {database: ":memory:"}}\n',
    );
    await writeFile(join(etc, 'log.yaml'), 'version: 1\nroot: {level: INFO}\n');
    await writeFile(join(run, 'log.yaml'), 'structured: true\nloggers: {synapse: {level: INFO}}\ndrains: {console: {type: console}}\n');
    const config = await loadHomeserverConfig([join(etc, 'homeserver.yaml')]);
    const verdict = async (startDir: string | undefined) => {
      const install = pipInstall({
        configPaths: [join(etc, 'homeserver.yaml')],
        pythonVersion: '3.11.2',
        sqliteVersion: '3.40.1',
        ...(startDir ? { startDir } : {}),
      });
      const notes = await evaluateServerNotes({ install, config } as Parameters<typeof evaluateServerNotes>[0], '1.54.0');
      const r = notes.results.find((n) => n.id === 'v1-54-structured-logging-removed');
      return `${r?.applies} ${r?.findings.map((f) => `${f.file}:${f.line} ${f.message}`).join('; ')}`;
    };
    assert.match(await verdict(run), new RegExp(`^yes .*${join(run, 'log.yaml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    assert.match(await verdict(undefined), /^no /, 'without a known start folder, the config folder (its plain log config) is read');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
