// Real tier: the notes and platform floors in steps/ pinned to Synapse's own code. Each note's `source:` must
// name files that exist at that release tag of element-hq/synapse and that mention every setting the note's
// checks read; every platform floor row must be what setup.py/pyproject.toml and the storage engines enforce
// at that tag, and no release may enforce a floor that no row records. The code comes from a git copy of
// element-hq/synapse: $SYNAPSE_SOURCE_GIT, else the snapshot the search tool fetched onto this machine.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Check } from '../../src/core/notes/types.js';
import { compareDotted } from '../../src/core/platform.js';
import { loadReleaseData } from '../../src/system/release-data.js';
import { missingTool } from '../helpers/tools.js';

const git = (dir: string, args: string[]) => spawnSync('git', ['--git-dir', dir, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

// GitHub is out of reach from these machines; the search tool's snapshot of element-hq/synapse is the copy here.
const MIRROR = '/work/.mirror/element-hq+synapse/repo';

async function synapseSource(t: TestContext): Promise<string | undefined> {
  const dir = process.env.SYNAPSE_SOURCE_GIT ?? MIRROR;
  if (!existsSync(join(dir, 'HEAD'))) {
    missingTool(t, `no git copy of element-hq/synapse at ${dir} (set SYNAPSE_SOURCE_GIT to a clone)`);
    return undefined;
  }
  return dir;
}

const show = (dir: string, tag: string, path: string): string | undefined => {
  const r = git(dir, ['show', `${tag}:${path}`]);
  return r.status === 0 ? r.stdout : undefined;
};
const hasTag = (dir: string, tag: string) => git(dir, ['rev-parse', '-q', '--verify', `refs/tags/${tag}`]).status === 0;

/** The settings a check reads, with their scope: `config:email.smtp_host`. */
function keysOf(check: Check | undefined, out: { scope: string; key: string }[] = []): { scope: string; key: string }[] {
  if (!check) return out;
  if (check.kind === 'key') out.push({ scope: check.scope, key: check.key });
  else if (check.kind === 'all' || check.kind === 'any') check.checks.forEach((c) => keysOf(c, out));
  else if (check.kind === 'not') keysOf(check.check, out);
  return out;
}
const leafOf = (key: string) =>
  key
    .split('.')
    .filter((s) => s !== '*' && !/^\d+$/.test(s))
    .at(-1)!;

test('every note source exists at its tag and reads the settings its checks name', { timeout: 900_000 }, async (t) => {
  const dir = await synapseSource(t);
  if (!dir) return;
  const steps = await loadReleaseData();
  const traced = steps.notes.filter((n) => n.source);
  const problems: string[] = [];
  let checked = 0;
  for (const note of traced) {
    const texts: string[] = [];
    for (const ref of note.source!) {
      const [path, tag] = ref.split('@') as [string, string];
      if (!hasTag(dir, tag)) continue; // a release newer than the copy
      const text = show(dir, tag, path);
      if (text === undefined) problems.push(`${note.id}: ${path} does not exist at ${tag}`);
      else texts.push(text);
    }
    if (!texts.length) continue;
    checked++;
    // Log configs are read by Python's logging module, not by Synapse's code: their keys are not looked up.
    for (const { scope, key } of keysOf(note.checks).filter((k) => k.scope !== 'log_config')) {
      const leaf = leafOf(key);
      // A key is read as a quoted name, as an argparse value (0.x: the YAML key is the option's dest) or as an
      // attrs/pydantic field that a mapping is unpacked into (HttpResourceConfig(**res): `names: List[str]`).
      const read = new RegExp(`["']${leaf}["']|\\bargs\\.${leaf}\\b|^\\s+${leaf}: `, 'm');
      if (!texts.some((text) => read.test(text))) problems.push(`${note.id}: no source file reads "${leaf}" (${scope}: ${key}) in ${note.source!.join(', ')}`);
    }
  }
  t.diagnostic(`${checked} of ${traced.length} traced notes checked against the code (${steps.notes.length} notes in all)`);
  assert.ok(checked >= 80, `only ${checked} notes checked`);
  assert.deepEqual(problems, []);
});

/** The floors the code enforces at a tag: Python from the package metadata, PostgreSQL and SQLite from the engines. */
function codeFloors(dir: string, tag: string): { python?: string; postgresql?: string; sqlite?: string } {
  const out: { python?: string; postgresql?: string; sqlite?: string } = {};
  const setup = show(dir, tag, 'setup.py') ?? '';
  const pyproject = show(dir, tag, 'pyproject.toml') ?? '';
  const py = /python_requires\s*=\s*["']~=\s*([\d.]+)/.exec(setup)?.[1] ?? /^(?:python|requires-python)\s*=\s*"(?:\^|>=)\s*([\d.]+)/m.exec(pyproject)?.[1];
  if (py) out.python = py;
  const pg = /self\._version < (\d+)/.exec(show(dir, tag, 'synapse/storage/engines/postgres.py') ?? '')?.[1];
  if (pg)
    out.postgresql = Number(pg) >= 100000 ? String(Math.floor(Number(pg) / 10000)) : `${Math.floor(Number(pg) / 10000)}.${Math.floor(Number(pg) / 100) % 100}`;
  const sq = /requires sqlite ([\d.]+) or above/.exec(show(dir, tag, 'synapse/storage/engines/sqlite.py') ?? '')?.[1];
  if (sq) out.sqlite = sq;
  return out;
}

test('platform floors: every row is what the code enforces at its release, and no release enforces an unrecorded floor', { timeout: 900_000 }, async (t) => {
  const dir = await synapseSource(t);
  if (!dir) return;
  const { platform } = await loadReleaseData();
  const same = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && compareDotted(a, b) === 0;
  const problems: string[] = [];
  const tags = git(dir, ['tag', '--list', 'v1.*.0'])
    .stdout.split('\n')
    .filter((x) => /^v1\.\d+\.0$/.test(x));
  tags.sort((a, b) => compareDotted(a.slice(1), b.slice(1)) ?? 0);
  let releases = 0;
  for (const tag of tags.filter((x) => compareDotted(x.slice(1), platform.floors[0]!.since)! >= 0)) {
    const version = tag.slice(1);
    const row = [...platform.floors].reverse().find((r) => compareDotted(r.since, version)! <= 0)!;
    const code = codeFloors(dir, tag);
    releases++;
    for (const component of ['python', 'postgresql', 'sqlite'] as const) {
      const have = code[component];
      if (!have) continue;
      const recorded = row[component];
      const pinned = row.since === version;
      if (!recorded) problems.push(`${tag}: the code enforces ${component} ${have}; the row from ${row.since} records no ${component} floor`);
      else if (row.enforced && !same(have, recorded) && compareDotted(have, recorded)! > 0)
        problems.push(`${tag}: the code enforces ${component} ${have}, above the row from ${row.since} (${recorded})`);
      else if (row.enforced && pinned && !same(have, recorded))
        problems.push(`${tag}: the row says ${component} ${recorded} is enforced; the code enforces ${have}`);
      else if (!row.enforced && compareDotted(have, recorded)! >= 0 && pinned && component !== 'sqlite')
        problems.push(`${tag}: the row says ${component} ${recorded} is not enforced, but the code enforces ${have}`);
    }
  }
  t.diagnostic(`${releases} releases compared with ${platform.floors.length} floor rows`);
  assert.ok(releases > 100);
  assert.deepEqual(problems, []);
});

/** The platform floors a check names: `python below 3.10` as { python: '3.10' }. */
function floorsOf(check: Check | undefined, out: Record<string, string> = {}): Record<string, string> {
  if (!check) return out;
  if (check.kind === 'platform') out[check.component] = check.below;
  else if (check.kind === 'all' || check.kind === 'any') check.checks.forEach((c) => floorsOf(c, out));
  else if (check.kind === 'not') floorsOf(check.check, out);
  return out;
}

test('platform notes that say Synapse refuses an old platform name the floor the code enforces at that release', { timeout: 900_000 }, async (t) => {
  const dir = await synapseSource(t);
  if (!dir) return;
  const steps = await loadReleaseData();
  const problems: string[] = [];
  let checked = 0;
  for (const note of steps.notes.filter((n) => n.effect === 'refuses-to-start' && Object.keys(floorsOf(n.checks)).some((c) => c !== 'rust'))) {
    const tag = `v${note.version}`;
    if (!hasTag(dir, tag)) continue;
    checked++;
    const code = codeFloors(dir, tag);
    for (const [component, below] of Object.entries(floorsOf(note.checks))) {
      const have = code[component as keyof typeof code];
      if (!have || compareDotted(have, below) !== 0)
        problems.push(`${note.id}: checks ${component} below ${below}; the code at ${tag} enforces ${have ?? 'no floor'}`);
    }
  }
  t.diagnostic(`${checked} platform notes compared with the code`);
  assert.ok(checked >= 10, `only ${checked}`);
  assert.deepEqual(problems, []);
});
