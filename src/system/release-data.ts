import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import type { PlatformData } from '../core/platform.js';
import { embeddedFiles } from './embedded.js';
import type { SchemaData } from '../core/schema-facts.js';
import type { Note, QueryDef, ReleaseFile } from '../core/notes/types.js';
import { readQueries, readRollbacks, type RollbackProcedure } from '../core/notes/validate-data.js';
import { readPlatformData, readSchemaData } from '../core/notes/validate-platform.js';
import { validateReleases, type ParsedYaml } from '../core/notes/validate-release.js';
import { ReleaseDataError, type Problem } from '../core/notes/yaml-nodes.js';

/** The release data: everything in steps/ (Synapse's release knowledge), validated. */
export interface ReleaseData {
  dir: string;
  releases: ReleaseFile[];
  /** Every note of every release, oldest release first. */
  notes: Note[];
  queries: QueryDef[];
  platform: PlatformData;
  schema: SchemaData;
  rollbacks: RollbackProcedure[];
}

/** The package's steps/ folder: walk up from this module to the folder with package.json (works from src/ and dist/). */
export function findReleaseDataDir(moduleUrl: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'steps'))) return join(dir, 'steps');
    const parent = dirname(dir);
    if (parent === dir)
      throw new ReleaseDataError([{ file: fileURLToPath(moduleUrl), line: 1, message: 'no steps/ folder next to a package.json above this module' }]);
    dir = parent;
  }
}

/** Parses one file keeping positions; a YAML syntax error becomes a problem with file and line. */
export function parseReleaseYaml(path: string, text: string): ParsedYaml | Problem {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const error = doc.errors[0];
  if (!error) return { path, doc, lines };
  const pos = lines.linePos(error.pos[0]);
  return { file: path, line: pos.line, column: pos.col, message: `not valid YAML: ${error.message.split('\n')[0]}` };
}

/** Where the release data files come from: the steps/ folder on disk, or the copy embedded in the single-file bundle. */
interface ReleaseDataSource {
  dir: string;
  releaseNames(): Promise<string[]>;
  read(path: string): Promise<string>;
}

const EMBEDDED_DIR = '<embedded>/steps';

function releaseDataSource(dir: string | undefined, embedded: Record<string, string> | undefined): ReleaseDataSource {
  if (embedded) {
    return {
      dir: EMBEDDED_DIR,
      releaseNames: async () =>
        Object.keys(embedded)
          .filter((n) => n.startsWith('releases/'))
          .map((n) => n.slice('releases/'.length)),
      read: async (path) => {
        const text = embedded[path.slice(EMBEDDED_DIR.length + 1)];
        if (text === undefined) throw Object.assign(new Error(`${path} is not embedded`), { code: 'ENOENT' });
        return text;
      },
    };
  }
  const root = dir ?? findReleaseDataDir();
  const releaseDir = join(root, 'releases');
  return {
    dir: root,
    releaseNames: async () => (existsSync(releaseDir) ? await readdir(releaseDir) : []),
    read: (path) => readFile(path, 'utf8'),
  };
}

async function readAll(paths: string[], source: ReleaseDataSource): Promise<{ parsed: ParsedYaml[]; problems: Problem[] }> {
  const parsed: ParsedYaml[] = [];
  const problems: Problem[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await source.read(path);
    } catch (error) {
      problems.push({ file: path, line: 1, message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})` });
      continue;
    }
    const result = parseReleaseYaml(path, text);
    if ('doc' in result) parsed.push(result);
    else problems.push(result);
  }
  return { parsed, problems };
}

/**
 * Loads and validates steps/. Any problem in any file throws one ReleaseDataError naming every file and line.
 * Without `dir`, $SYNAPSE_UPGRADE_STEPS_DIR names the folder (a newer copy of the data than the one shipped);
 * without either, the copy embedded in the single-file bundle is preferred when there is one.
 */
export async function loadReleaseData(
  dir: string | undefined = process.env.SYNAPSE_UPGRADE_STEPS_DIR || undefined,
  embedded: Record<string, string> | undefined = dir === undefined ? embeddedFiles().steps : undefined,
): Promise<ReleaseData> {
  const source = releaseDataSource(dir, embedded);
  const root = source.dir;
  const releaseDir = join(root, 'releases');
  const names = (await source.releaseNames()).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort();
  const fixed = ['queries.yaml', 'platform.yaml', 'schema.yaml', 'rollback.yaml'].map((n) => join(root, n));
  const { parsed, problems } = await readAll([...fixed, ...names.map((n) => join(releaseDir, n))], source);
  const byPath = new Map(parsed.map((p) => [p.path, p]));
  const attempt = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof ReleaseDataError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  const one = <T>(index: number, read: (file: ParsedYaml) => T): T | undefined => {
    const file = byPath.get(fixed[index] as string);
    return file ? attempt(() => read(file)) : undefined;
  };
  const queries = one(0, readQueries);
  const platform = one(1, readPlatformData);
  const schema = one(2, readSchemaData);
  const rollbacks = one(3, readRollbacks);
  const queryIds = queries ? new Set(queries.map((q) => q.id)) : undefined;
  const releaseFiles = parsed.filter((p) => !fixed.includes(p.path));
  const releasesChecked = attempt(() => validateReleases(releaseFiles, queryIds));
  if (problems.length || !queries || !platform || !schema || !rollbacks || !releasesChecked) throw new ReleaseDataError(problems);
  const sorted = [...releasesChecked].sort((a, b) => compareRelease(a.version, b.version));
  return { dir: root, releases: sorted, notes: sorted.flatMap((r) => r.notes), queries, platform, schema, rollbacks };
}

const compareRelease = (a: string, b: string): number => {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
};
