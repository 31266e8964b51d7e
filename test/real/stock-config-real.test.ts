import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadReleaseData } from '../../src/system/release-data.js';
import { stockProblems, stockResults } from '../helpers/stock-notes.js';
import { ensureVenvTemplate } from './helpers/cache.js';
import { realTier } from './helpers/tier.js';

// Real tier: real Synapse from PyPI writes its stock config now, and the notes must answer it as they answer
// the committed fixture of the same release (test/fixtures/stock-configs), so the fixture cannot drift.
const STOCK = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'stock-configs');
const NEWEST = '1.163.2';

function run(file: string, args: string[], cwd?: string): { ok: boolean; out: string } {
  const r = spawnSync(file, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.slice(-2000) };
}

const topKeys = (text: string): string[] => Object.keys((parse(text) as Record<string, unknown>) ?? {}).sort();

test(`real tier: a fresh stock config of Synapse ${NEWEST} (PyPI) gets the fixture's reviewed answers`, { timeout: 1_200_000 }, async (t) => {
  if (!(await realTier(t))) return;
  const python = join(await ensureVenvTemplate(NEWEST), 'bin', 'python');
  const dir = await mkdtemp(join(tmpdir(), 'stock-real-'));
  try {
    const config = join(dir, 'homeserver.yaml');
    const gen = run(python, ['-m', 'synapse.app.homeserver', '--generate-config', '--server-name', 'example.org', '--report-stats=no', '-c', config], dir);
    assert.ok(gen.ok, gen.out);
    const fresh = await readFile(config, 'utf8');
    const fixture = await readFile(join(STOCK, `v${NEWEST}`, 'homeserver.yaml'), 'utf8');
    assert.deepEqual(topKeys(fresh), topKeys(fixture), 'the fixture holds the same settings as a fresh config');
    assert.ok(existsSync(join(dir, 'example.org.log.config')));

    const steps = await loadReleaseData();
    const { results, warnings } = await stockResults(steps, config, NEWEST);
    assert.deepEqual(warnings, []);
    const expected = (parse(await readFile(join(STOCK, 'expected.yaml'), 'utf8')) as Record<string, { yes: string[]; unknown: string[] }>)[`v${NEWEST}`]!;
    const answer = (id: string) => (expected.yes.includes(id) ? 'yes' : expected.unknown.includes(id) ? 'unknown' : 'no');
    assert.deepEqual(
      results.filter((r) => r.applies !== answer(r.id)).map((r) => `${r.id}: ${r.applies}`),
      [],
    );
    assert.deepEqual(stockProblems(results, new Map(steps.notes.map((n) => [n.id, n]))), []);
    // Older releases' notes too: the fresh config against every note from 1.46 on (breaking/SSO/worker never apply).
    const all = await stockResults(steps, config, '1.46.0');
    assert.ok(all.results.length > 50);
    assert.deepEqual(stockProblems(all.results, new Map(steps.notes.map((n) => [n.id, n]))), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
