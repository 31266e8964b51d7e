import type { Document, LineCounter } from 'yaml';
import { DATABASE_ENGINES, EFFECTS, METHOD_NAMES, RESTART_MANAGERS, SEVERITIES, SEVERITY_OF_EFFECT, type Concerns, type Note, type ReleaseFile } from './types.js';
import { readCheck } from './validate-check.js';
import { readFixes } from '../fixes/validate-fix.js';
import { NodeReader, ReleaseDataError, type Problem } from './yaml-nodes.js';

/** A YAML file parsed with positions kept (src/config/yaml-file.ts produces this shape). */
export interface ParsedYaml {
  path: string;
  doc: Document;
  lines: LineCounter;
}

export const RELEASE_VERSION = /^\d+\.\d+\.\d+$/;
export const NOTE_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const NOTE_FIELDS = ['id', 'version', 'title', 'summary', 'severity', 'concerns', 'checks', 'applies', 'action', 'upstream', 'source', 'effect', 'fixes'] as const;
/** One code location a check was traced to: a path in element-hq/synapse at a release tag. */
export const SOURCE_REF = /^[A-Za-z0-9_./-]+@v\d+\.\d+\.\d+(rc\d+)?$/;
const REQUIRED = ['id', 'title', 'summary', 'severity', 'action', 'upstream'] as const;

/** Reads steps/releases/v<version>.yaml: `version` plus a non-empty list of `notes`. */
export function readReleaseFile(file: ParsedYaml, queryIds?: ReadonlySet<string>): { release?: ReleaseFile; problems: Problem[] } {
  const r = new NodeReader(file.path, file.lines);
  const top = r.fields(file.doc.contents, 'a release file', ['version', 'notes'], ['version', 'notes']);
  const version = top && readVersion(r, top.get('version'), 'version');
  const base = file.path.split(/[\\/]/).pop() ?? file.path;
  if (version && base !== `v${version}.yaml`) r.fail(top?.get('version'), `version ${version} does not match the file name ${base} (expected v${version}.yaml)`);
  const items = top && r.list(top.get('notes'), 'notes');
  if (items && items.length === 0) r.fail(top?.get('notes'), 'notes must list at least one note');
  const notes: Note[] = [];
  for (const item of items ?? []) {
    const note = version ? readNote(r, item, version, queryIds) : undefined;
    if (note) notes.push(note);
  }
  if (r.problems.length || !version) return { problems: r.problems };
  return { release: { version, file: file.path, notes }, problems: [] };
}

function readVersion(r: NodeReader, node: unknown, what: string): string | undefined {
  const value = r.scalar(node, what);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !RELEASE_VERSION.test(value)) {
    return r.fail(node, `${what} must be a plain release version like 1.47.0 (got ${JSON.stringify(value)})`);
  }
  return value;
}

function readNote(r: NodeReader, node: unknown, fileVersion: string, queryIds?: ReadonlySet<string>): Note | undefined {
  const before = r.problems.length;
  const f = r.fields(node, 'a note', NOTE_FIELDS, REQUIRED);
  if (!f) return undefined;
  const id = r.string(f.get('id'), 'id');
  if (id !== undefined && !NOTE_ID.test(id)) r.fail(f.get('id'), `id "${id}" must be kebab-case (a-z, 0-9, single dashes)`);
  if (f.has('version')) {
    const own = readVersion(r, f.get('version'), 'version');
    if (own && own !== fileVersion) r.fail(f.get('version'), `note version ${own} differs from the file's version ${fileVersion}`);
  }
  const title = r.string(f.get('title'), 'title');
  const summary = r.string(f.get('summary'), 'summary');
  const severity = r.word(f.get('severity'), 'severity', SEVERITIES);
  const action = r.string(f.get('action'), 'action');
  const upstream = r.string(f.get('upstream'), 'upstream');
  const concerns = f.has('concerns') ? readConcerns(r, f.get('concerns')) : {};
  const checks = f.has('checks') ? readCheck(r, f.get('checks'), queryIds) : undefined;
  const source = f.has('source') ? readSource(r, f.get('source')) : undefined;
  const effect = f.has('effect') ? r.word(f.get('effect'), 'effect', EFFECTS) : undefined;
  const fixes = f.has('fixes') ? readFixes(r, f.get('fixes')) : undefined;
  if (effect && severity && SEVERITY_OF_EFFECT[effect] !== severity) {
    r.fail(f.get('severity'), `severity ${severity} does not match effect ${effect} (a server that ${effect.replace(/-/g, ' ')} needs ${SEVERITY_OF_EFFECT[effect]})`);
  }
  let always = false;
  if (f.has('applies')) {
    always = r.word(f.get('applies'), 'applies', ['always'] as const) === 'always';
    if (f.has('checks')) r.fail(f.get('applies'), 'a note has either checks or "applies: always", not both');
  }
  if (r.problems.length > before) return undefined;
  return {
    id: id as string,
    version: fileVersion,
    title: title as string,
    summary: summary as string,
    severity: severity as Note['severity'],
    concerns: concerns as Concerns,
    checks,
    always,
    action: action as string,
    upstream: upstream as string,
    ...(source ? { source } : {}),
    ...(effect ? { effect } : {}),
    ...(fixes ? { fixes } : {}),
    file: r.file,
    line: r.line(node),
  };
}

/** `source`: one line, one or more `path@vX.Y.Z` separated by ", ". */
function readSource(r: NodeReader, node: unknown): string[] | undefined {
  const text = r.string(node, 'source');
  if (text === undefined) return undefined;
  const refs = text.split(/,\s*/);
  const bad = refs.find((ref) => !SOURCE_REF.test(ref));
  if (bad !== undefined) return r.fail(node, `source "${bad}" must be a file of element-hq/synapse at a release tag, like synapse/config/sso.py@v1.13.0`);
  return refs;
}

function readConcerns(r: NodeReader, node: unknown): Concerns | undefined {
  const f = r.fields(node, 'concerns', ['methods', 'database', 'workers', 'modules', 'restart']);
  if (!f) return undefined;
  const out: Concerns = {};
  const methods = f.has('methods') ? r.words(f.get('methods'), 'concerns.methods', METHOD_NAMES) : undefined;
  const database = f.has('database') ? r.words(f.get('database'), 'concerns.database', DATABASE_ENGINES) : undefined;
  const workers = f.has('workers') ? r.boolean(f.get('workers'), 'concerns.workers') : undefined;
  const modules = f.has('modules') ? r.boolean(f.get('modules'), 'concerns.modules') : undefined;
  const restart = f.has('restart') ? r.words(f.get('restart'), 'concerns.restart', RESTART_MANAGERS) : undefined;
  if (methods) out.methods = methods;
  if (restart) out.restart = restart;
  if (database) out.database = database;
  if (workers !== undefined) out.workers = workers;
  if (modules !== undefined) out.modules = modules;
  return out;
}

/** Validates every release file together: each must read cleanly and note ids must be unique. */
export function validateReleases(files: readonly ParsedYaml[], queryIds?: ReadonlySet<string>): ReleaseFile[] {
  const problems: Problem[] = [];
  const releases: ReleaseFile[] = [];
  const seen = new Map<string, Note>();
  for (const file of files) {
    const { release, problems: own } = readReleaseFile(file, queryIds);
    problems.push(...own);
    if (!release) continue;
    releases.push(release);
    for (const note of release.notes) {
      const first = seen.get(note.id);
      if (first) problems.push({ file: note.file, line: note.line, message: `note id "${note.id}" is already used at ${first.file}:${first.line}` });
      else seen.set(note.id, note);
    }
  }
  if (problems.length) throw new ReleaseDataError(problems);
  return releases;
}
