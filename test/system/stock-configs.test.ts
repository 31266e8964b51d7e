import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { evaluateNotes } from '../../src/core/notes/evaluate.js';
import { gatherNoteFacts } from '../../src/system/note-facts.js';
import { loadReleaseData } from '../../src/system/release-data.js';
import { isSsoNote, isWorkerNote, placeStockConfig, stockProblems, stockResults } from '../helpers/stock-notes.js';

// Real `--generate-config` output of several Synapse releases (see test/fixtures/stock-configs/README.md).
const STOCK = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'stock-configs');
const steps = await loadReleaseData();
const notes = new Map(steps.notes.map((n) => [n.id, n]));
const expected = parse(await readFile(join(STOCK, 'expected.yaml'), 'utf8')) as Record<string, { yes: string[]; unknown: string[] }>;
const versions = (await readdir(STOCK)).filter((name) => /^v\d/.test(name)).map((name) => name.slice(1));

test('the fixtures cover 1.46, one release of each later year and a reviewed answer for each', () => {
  assert.ok(versions.length >= 5, `only ${versions.join(', ')}`);
  assert.ok(versions.includes('1.46.0'));
  assert.deepEqual(Object.keys(expected).sort(), versions.map((v) => `v${v}`).sort());
});

for (const version of versions) {
  test(`stock config of ${version}: every note in range gets its reviewed answer; no breaking, SSO or worker note`, async () => {
    const placed = await placeStockConfig(join(STOCK, `v${version}`), `/tmp/gen/${version}`);
    try {
      const { results, warnings } = await stockResults(steps, placed.config, version);
      assert.deepEqual(warnings, [], 'the config and its log config are read');
      const want = expected[`v${version}`]!;
      const answer = (id: string) => (want.yes.includes(id) ? 'yes' : want.unknown.includes(id) ? 'unknown' : 'no');
      const wrong = results
        .filter((r) => r.applies !== answer(r.id))
        .map((r) => `${r.id}: got ${r.applies}, reviewed answer ${answer(r.id)} (${r.findings.map((f) => f.message).join('; ') || 'no findings'})`);
      assert.deepEqual(wrong, [], `edit test/fixtures/stock-configs/expected.yaml only after reviewing the note against this config`);
      const listed = [...want.yes, ...want.unknown].filter((id) => !results.some((r) => r.id === id));
      assert.deepEqual(listed, [], 'expected.yaml lists notes outside the range');
      assert.deepEqual(stockProblems(results, notes), []);
    } finally {
      await placed.cleanup();
    }
  });
}

test('the skeleton sections of a stock config (saml2_config: {sp_config: null}, sso:, oidc_providers:) turn on no SSO note of any release', async () => {
  const placed = await placeStockConfig(join(STOCK, 'v1.46.0'), '/tmp/gen/1.46.0');
  try {
    const raw = parse(await readFile(placed.config, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(raw.saml2_config, { sp_config: null, user_mapping_provider: { config: null } }, 'the 1.46 config has the saml2 skeleton');
    assert.equal(raw.oidc_providers, null);
    const { facts } = await gatherNoteFacts({ configPaths: [placed.config] });
    const sso = steps.notes.filter(isSsoNote);
    assert.ok(sso.some((n) => n.id === 'v1-27-saml2-callback-uri'));
    const on = evaluateNotes(sso, facts).filter((r) => r.applies !== 'no');
    assert.deepEqual(
      on.map((r) => `${r.id}: ${r.applies}`),
      [],
    );
  } finally {
    await placed.cleanup();
  }
});

test('a stock install without workers gets "no" on every worker note, with detection as the evidence', async () => {
  const placed = await placeStockConfig(join(STOCK, 'v1.46.0'), '/tmp/gen/1.46.0');
  try {
    const { results } = await stockResults(steps, placed.config, '1.46.0');
    const workerOnly = results.filter((r) => notes.get(r.id)!.concerns.workers === true);
    assert.ok(workerOnly.length >= 5);
    for (const r of workerOnly) {
      assert.equal(r.applies, 'no', r.id);
      assert.ok(
        r.findings.some((f) => f.message === 'detection found no worker'),
        `${r.id} carries the evidence`,
      );
    }
    assert.ok(isWorkerNote(notes.get('v1-67-workers-need-redis')!));
  } finally {
    await placed.cleanup();
  }
});
