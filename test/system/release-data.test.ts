import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseVersion } from '../../src/core/version.js';
import { ReleaseDataError } from '../../src/core/notes/yaml-nodes.js';
import { findReleaseDataDir, loadReleaseData } from '../../src/system/release-data.js';
import { tempDir } from '../helpers/temp-dir.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SEED = join(ROOT, '..', 'shared', 'seed', 'synapse-upgrade-guide-to-v1.47.txt');
const REFERENCE = join(ROOT, '..', 'shared', 'reference', 'synapse-facts.md');
/** Skip only on a developer's machine without shared/ next to the repo; CI (SYNAPSE_UPGRADE_NO_SKIP) fails instead. */
const missing = (path: string, why: string): string | false => !existsSync(path) && !process.env.SYNAPSE_UPGRADE_NO_SKIP && why;
const steps = await loadReleaseData();
const byVersion = new Map(steps.releases.map((r) => [r.version, r]));

test('every file in steps/ validates, note ids are unique', () => {
  assert.ok(steps.releases.length >= 100, `${steps.releases.length} release files`);
  assert.equal(new Set(steps.notes.map((n) => n.id)).size, steps.notes.length);
  for (const release of steps.releases) assert.ok(release.notes.length > 0, `${release.file} has notes`);
  assert.ok(steps.queries.length > 0 && steps.rollbacks.length === 3);
});

test(
  'every "Upgrading to vX" section of the seed guide has its file and a note citing it',
  { skip: missing(SEED, 'seed guide not present (../shared/seed)') },
  async () => {
    const headings = [...(await readFile(SEED, 'utf8')).matchAll(/^Upgrading to (v\d+(?:\.\d+)*)\s*$/gm)].map((m) => m[1] as string);
    assert.equal(headings.length, 48);
    for (const heading of headings) {
      const version = parseVersion(heading)?.text ?? '';
      const release = byVersion.get(version);
      assert.ok(release, `steps/releases/v${version}.yaml exists for "Upgrading to ${heading}"`);
      assert.ok(
        release.notes.some((n) => n.upstream === `docs/upgrade.md: Upgrading to ${heading}`),
        `a note in v${version}.yaml cites "docs/upgrade.md: Upgrading to ${heading}"`,
      );
    }
  },
);

test(
  'every release row of the reference after v1.47 (sections and ★ items) has its file',
  { skip: missing(REFERENCE, 'reference not present (../shared/reference)') },
  async () => {
    const rows = [...(await readFile(REFERENCE, 'utf8')).matchAll(/^\| (v\d+\.\d+(?:\.\d+)?)(?: ★)? \|/gm)].map((m) => m[1] as string);
    assert.ok(rows.length >= 60, `${rows.length} rows`);
    for (const row of rows) {
      const version = parseVersion(row)?.text ?? '';
      assert.ok(byVersion.has(version), `steps/releases/v${version}.yaml exists for reference row ${row}`);
    }
  },
);

async function copySteps(): Promise<string> {
  const dir = join(await tempDir('su-steps-'), 'steps');
  await cp(steps.dir, dir, { recursive: true });
  return dir;
}

test('malformed YAML in steps/ fails with the file, line and column', async () => {
  const dir = await copySteps();
  const file = join(dir, 'releases', 'v1.47.0.yaml');
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace('    severity: action\n', '    severity: action\n   oops: [\n'));
  await assert.rejects(loadReleaseData(dir), (error: unknown) => {
    assert.ok(error instanceof ReleaseDataError);
    assert.equal(error.problems[0]?.file, file);
    assert.ok((error.problems[0]?.line ?? 0) >= 5, `line ${error.problems[0]?.line}`);
    assert.match(error.message, /v1\.47\.0\.yaml:\d+:\d+: not valid YAML/);
    return true;
  });
});

test('an unknown field or a bad version in steps/ fails with the file, line and column', async () => {
  const dir = await copySteps();
  const file = join(dir, 'releases', 'v1.56.0.yaml');
  await writeFile(file, (await readFile(file, 'utf8')).replace('    severity: breaking\n', '    severity: breaking\n    sevrity: info\n'));
  const schema = join(dir, 'schema.yaml');
  await writeFile(schema, (await readFile(schema, 'utf8')).replace('since: 1.58.0,', 'since: 1.58,'));
  await assert.rejects(loadReleaseData(dir), (error: unknown) => {
    assert.ok(error instanceof ReleaseDataError);
    assert.match(error.message, /v1\.56\.0\.yaml:6:5: unknown field "sevrity" in a note/);
    assert.match(error.message, /schema\.yaml:\d+:\d+: since must be a release version like 1\.47\.0 \(got 1\.58\)/);
    return true;
  });
});

test('the steps/ folder is found from src/ and from dist/', async () => {
  assert.equal(findReleaseDataDir(pathToFileURL(join(ROOT, 'src', 'system', 'release-data.ts')).href), join(ROOT, 'steps'));
  assert.equal(findReleaseDataDir(pathToFileURL(join(ROOT, 'dist', 'system', 'release-data.js')).href), join(ROOT, 'steps'));
  const built = join(ROOT, 'dist', 'system', 'release-data.js');
  if (existsSync(built)) {
    const fromDist = (await import(pathToFileURL(built).href)) as typeof import('../../src/system/release-data.js');
    assert.equal((await fromDist.loadReleaseData()).notes.length, steps.notes.length);
  }
});
