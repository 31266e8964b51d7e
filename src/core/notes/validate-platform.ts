import semver from 'semver';
import { FLOOR_COMPONENTS, type LastUsable, type PlatformData, type PlatformFloor, type RustMsrv } from '../platform.js';
import type { SchemaData, SchemaRow } from '../schema-facts.js';
import { readPlatformVersion } from './validate-check.js';
import { RELEASE_VERSION, type ParsedYaml } from './validate-release.js';
import { NodeReader, ReleaseDataError } from './yaml-nodes.js';

function release(r: NodeReader, node: unknown, what: string): string | undefined {
  const value = r.scalar(node, what);
  if (typeof value === 'string' && RELEASE_VERSION.test(value)) return value;
  return value === undefined ? undefined : r.fail(node, `${what} must be a release version like 1.47.0 (got ${JSON.stringify(value)})`);
}

function ascending(r: NodeReader, nodes: unknown[], versions: (string | undefined)[], what: string): void {
  versions.forEach((v, i) => {
    const prev = versions[i - 1];
    if (i > 0 && v && prev && !semver.gt(v, prev)) r.fail(nodes[i], `${what} must be in ascending release order (${v} after ${prev})`);
  });
}

/** steps/platform.yaml: floors, last-usable facts, Rust MSRV. */
export function readPlatformData(file: ParsedYaml): PlatformData {
  const r = new NodeReader(file.path, file.lines);
  const top = r.fields(file.doc.contents, 'platform.yaml', ['floors', 'last_usable', 'rust'], ['floors', 'last_usable', 'rust']);
  const floors: PlatformFloor[] = [];
  const floorNodes = (top && r.list(top.get('floors'), 'floors')) ?? [];
  for (const node of floorNodes) {
    const f = r.fields(node, 'a floor', ['since', ...FLOOR_COMPONENTS, 'enforced', 'note', 'source'], ['since', 'enforced', 'source']);
    if (!f) continue;
    const row: PlatformFloor = { since: release(r, f.get('since'), 'since') ?? '', enforced: r.boolean(f.get('enforced'), 'enforced') ?? false, source: r.string(f.get('source'), 'source') ?? '' };
    for (const c of FLOOR_COMPONENTS) if (f.has(c)) row[c] = readPlatformVersion(r, f.get(c), c);
    if (f.has('note')) row.note = r.string(f.get('note'), 'note');
    floors.push(row);
  }
  ascending(r, floorNodes, floors.map((f) => f.since), 'floors');
  const lastUsable: LastUsable[] = [];
  for (const node of (top && r.list(top.get('last_usable'), 'last_usable')) ?? []) {
    const f = r.fields(node, 'a last_usable entry', ['component', 'below', 'last', 'docs_say'], ['component', 'below', 'last']);
    if (!f) continue;
    const row: LastUsable = {
      component: r.word(f.get('component'), 'component', FLOOR_COMPONENTS) ?? 'python',
      below: readPlatformVersion(r, f.get('below'), 'below') ?? '',
      last: release(r, f.get('last'), 'last') ?? '',
    };
    if (f.has('docs_say')) row.docsSay = release(r, f.get('docs_say'), 'docs_say');
    lastUsable.push(row);
  }
  const rust: RustMsrv[] = [];
  const rustNodes = (top && r.list(top.get('rust'), 'rust')) ?? [];
  for (const node of rustNodes) {
    const f = r.fields(node, 'a rust entry', ['since', 'msrv', 'documented'], ['since', 'msrv', 'documented']);
    if (f) rust.push({ since: release(r, f.get('since'), 'since') ?? '', msrv: readPlatformVersion(r, f.get('msrv'), 'msrv') ?? '', documented: r.boolean(f.get('documented'), 'documented') ?? false });
  }
  ascending(r, rustNodes, rust.map((x) => x.since), 'rust');
  if (r.problems.length) throw new ReleaseDataError(r.problems);
  return { floors, lastUsable, rust };
}

/** steps/schema.yaml: (SCHEMA_VERSION, SCHEMA_COMPAT_VERSION) from their first release on. */
export function readSchemaData(file: ParsedYaml): SchemaData {
  const r = new NodeReader(file.path, file.lines);
  const top = r.fields(file.doc.contents, 'schema.yaml', ['newest_release', 'last_before_change', 'schema'], ['newest_release', 'last_before_change', 'schema']);
  const newestRelease = top && release(r, top.get('newest_release'), 'newest_release');
  const lastBeforeChange = ((top && r.list(top.get('last_before_change'), 'last_before_change')) ?? []).map((n) => release(r, n, 'last_before_change') ?? '');
  const rows: SchemaRow[] = [];
  const nodes = (top && r.list(top.get('schema'), 'schema')) ?? [];
  for (const node of nodes) {
    const f = r.fields(node, 'a schema row', ['since', 'schema', 'compat'], ['since', 'schema', 'compat']);
    if (!f) continue;
    const row = { since: release(r, f.get('since'), 'since') ?? '', schema: r.number(f.get('schema'), 'schema') ?? 0, compat: r.number(f.get('compat'), 'compat') ?? 0 };
    if (row.compat > row.schema) r.fail(node, `compat ${row.compat} is above schema ${row.schema}`);
    rows.push(row);
  }
  ascending(r, nodes, rows.map((x) => x.since), 'schema rows');
  rows.forEach((row, i) => {
    const prev = rows[i - 1];
    if (prev && (row.schema < prev.schema || row.compat < prev.compat)) r.fail(nodes[i], `schema numbers never go down (${row.since} after ${prev.since})`);
  });
  if (r.problems.length) throw new ReleaseDataError(r.problems);
  return { rows, newestRelease: newestRelease ?? '', lastBeforeChange };
}
