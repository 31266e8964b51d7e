import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { stripControls } from '../../src/core/screen-text.js';
import { upgradeSections } from '../../src/core/notes/coverage.js';
import { loadReleaseData } from '../../src/system/release-data.js';
import { readUpstreamUpgradeMd } from '../../src/system/upstream-notes.js';
import { runCli } from '../helpers/cli.js';
import { missingTool } from '../helpers/tools.js';
import { cacheRoot } from './helpers/cache.js';
import { realTier, realWizardEnv } from './helpers/tier.js';

// The notes data against the newest release on the package index: the newest sdist's docs/upgrade.md is read
// (through the same adapter the wizard uses), and every "Upgrading to vX" section in it must have its file in
// steps/releases, so the data cannot fall behind unnoticed. Then the uncovered path end to end: steps/ copied
// without the newest release that has a section, and `notes` shows that section, unchecked, from the real sdist.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const temps: string[] = [];
after(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

async function newestUpgradeMd(t: import('node:test').TestContext) {
  const tier = await realTier(t);
  if (!tier) return undefined;
  const read = await readUpstreamUpgradeMd({ version: tier.newest, cacheDir: join(cacheRoot(), 'synapse-upgrade-cache') });
  if (!read.ok) {
    missingTool(t, `real Synapse tier: the ${tier.newest} sdist could not be read: ${read.reason}`);
    return undefined;
  }
  return { newest: tier.newest, text: read.text };
}

test('every "Upgrading to vX" section of the newest sdist on the index has its file in steps/releases', { timeout: 300_000 }, async (t) => {
  const upstream = await newestUpgradeMd(t);
  if (!upstream) return;
  const steps = await loadReleaseData(join(ROOT, 'steps'));
  const known = new Set(steps.releases.map((r) => r.version));
  const headings = upgradeSections(upstream.text).map((s) => s.version);
  assert.ok(headings.length > 100, `the upgrade notes of ${upstream.newest} have their sections (${headings.length})`);
  const missing = headings.filter((v) => !known.has(v));
  assert.deepEqual(
    missing,
    [],
    `steps/releases lacks the notes of ${missing.join(', ')} (from docs/upgrade.md of ${upstream.newest}); add them (steps/README.md)`,
  );
  assert.ok(
    semver.gte(steps.schema.newestRelease, upstream.newest),
    `steps/schema.yaml newest_release ${steps.schema.newestRelease} is behind the newest release ${upstream.newest}: check its notes, floors and schema numbers and move it up`,
  );
});

test(
  'a release removed from steps/: notes shows its section from the real sdist, unchecked, and names the uncovered range',
  { timeout: 300_000 },
  async (t) => {
    const upstream = await newestUpgradeMd(t);
    if (!upstream) return;
    const sections = upgradeSections(upstream.text);
    const removed = sections.map((s) => s.version).sort(semver.rcompare)[0]!;
    const root = await mkdtemp(join(tmpdir(), 'su-notes-current-'));
    temps.push(root);
    const steps = join(root, 'steps');
    await cp(join(ROOT, 'steps'), steps, { recursive: true });
    const kept: string[] = [];
    for (const name of await readdir(join(steps, 'releases'))) {
      const version = /^v(\d+\.\d+\.\d+)\.yaml$/.exec(name)?.[1];
      if (version && semver.gte(version, removed)) await rm(join(steps, 'releases', name));
      else if (version) kept.push(version);
    }
    const knownThrough = kept.sort(semver.rcompare)[0]!;
    const schema = await readFile(join(steps, 'schema.yaml'), 'utf8');
    await writeFile(join(steps, 'schema.yaml'), schema.replace(/^newest_release: .*$/m, `newest_release: ${knownThrough}`));
    // A fresh cache: this run downloads the sdist as an admin's first run would.
    const env = realWizardEnv(join(root, 'state'), { SYNAPSE_UPGRADE_STEPS_DIR: steps, SYNAPSE_UPGRADE_CACHE_DIR: join(root, 'cache') });
    const started = Date.now();
    const json = await runCli(['notes', '--from', knownThrough, '--to', upstream.newest, '--json'], env);
    const firstMs = Date.now() - started;
    assert.equal(json.exitCode, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as {
      notes: { version: string }[];
      coverage: { uncovered: unknown; upstream: { status: string; source?: string }; unchecked: { version: string; heading: string; text: string }[] };
    };
    assert.deepEqual(parsed.coverage.uncovered, { after: knownThrough, to: upstream.newest });
    assert.equal(parsed.coverage.upstream.status, 'read', JSON.stringify(parsed.coverage.upstream));
    assert.match(parsed.coverage.upstream.source ?? '', new RegExp(`matrix_synapse-${upstream.newest.replace(/\./g, '\\.')}\\.tar\\.gz`));
    const section = parsed.coverage.unchecked.find((n) => n.version === removed);
    assert.ok(section, `the section of ${removed} is shown unchecked`);
    assert.equal(section.heading, `Upgrading to v${removed}`);
    const raw = sections.find((s) => s.version === removed)!.body;
    assert.equal(section.text, stripControls(raw).trim().split('\n').slice(0, 120).join('\n').slice(0, 8000).trimEnd());
    assert.ok(
      parsed.notes.every((n) => semver.lt(n.version, removed)),
      'no checked note of the removed release',
    );
    const text = await runCli(['notes', '--from', knownThrough, '--to', upstream.newest], env);
    const secondMs = Date.now() - started - firstMs;
    assert.ok(
      text.stdout.includes(`NOT COVERED: the notes data of this tool stops at ${knownThrough}; releases after ${knownThrough} up to ${upstream.newest}`),
      text.stdout,
    );
    assert.ok(text.stdout.includes(`[unchecked] ${removed}  Upgrading to v${removed}`));
    t.diagnostic(`first run (download) ${firstMs} ms, second run (cached) ${secondMs} ms`);
  },
);
