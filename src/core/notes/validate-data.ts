import { DATABASE_ENGINES, type DatabaseEngine, type QueryDef } from './types.js';
import { NOTE_ID, RELEASE_VERSION, type ParsedYaml } from './validate-release.js';
import { NodeReader, ReleaseDataError } from './yaml-nodes.js';

/** One step of a schema rollback the upgrade notes give (steps/rollback.yaml). */
export interface RollbackStep {
  say: string;
  /** Only for this engine, when set. */
  database?: DatabaseEngine;
  sql: string[];
  /** A homeserver.yaml snippet to set. */
  config?: string;
  caveat?: string;
}

export interface RollbackProcedure {
  id: string;
  from: string;
  to: string;
  summary: string;
  upstream: string;
  steps: RollbackStep[];
}

const READ_ONLY = /^\s*(SELECT|WITH)\b/i;

/** steps/queries.yaml: read-only SQL the checks name by id. Only SELECT/WITH statements are accepted. */
export function readQueries(file: ParsedYaml): QueryDef[] {
  const r = new NodeReader(file.path, file.lines);
  const top = r.fields(file.doc.contents, 'queries.yaml', ['queries'], ['queries']);
  const out: QueryDef[] = [];
  for (const node of (top && r.list(top.get('queries'), 'queries')) ?? []) {
    const f = r.fields(node, 'a query', ['id', 'description', 'sql', ...DATABASE_ENGINES], ['id', 'description']);
    if (!f) continue;
    const id = r.string(f.get('id'), 'id') ?? '';
    if (!NOTE_ID.test(id)) r.fail(f.get('id'), `query id "${id}" must be kebab-case`);
    if (out.some((q) => q.id === id)) r.fail(f.get('id'), `query id "${id}" is defined twice`);
    const sql: QueryDef['sql'] = {};
    const both = f.has('sql') ? r.string(f.get('sql'), 'sql') : undefined;
    for (const engine of DATABASE_ENGINES) {
      const text = f.has(engine) ? r.string(f.get(engine), engine) : both;
      if (text === undefined) continue;
      if (!READ_ONLY.test(text)) r.fail(f.get(engine) ?? f.get('sql'), 'a query must be read-only: start with SELECT or WITH');
      sql[engine] = text;
    }
    if (!Object.keys(sql).length) r.fail(node, `query "${id}" needs sql (both engines) or sqlite3/psycopg2`);
    out.push({ id, description: r.string(f.get('description'), 'description') ?? '', sql });
  }
  if (r.problems.length) throw new ReleaseDataError(r.problems);
  return out;
}

/** steps/rollback.yaml: the schema rollbacks the upgrade notes describe, SQL exactly as given there. */
export function readRollbacks(file: ParsedYaml): RollbackProcedure[] {
  const r = new NodeReader(file.path, file.lines);
  const top = r.fields(file.doc.contents, 'rollback.yaml', ['procedures'], ['procedures']);
  const out: RollbackProcedure[] = [];
  for (const node of (top && r.list(top.get('procedures'), 'procedures')) ?? []) {
    const f = r.fields(node, 'a procedure', ['id', 'from', 'to', 'summary', 'upstream', 'steps'], ['id', 'from', 'to', 'summary', 'upstream', 'steps']);
    if (!f) continue;
    const version = (key: string): string => {
      const v = r.string(f.get(key), key) ?? '';
      if (!RELEASE_VERSION.test(v)) r.fail(f.get(key), `${key} must be a release version like 1.26.0`);
      return v;
    };
    const steps: RollbackStep[] = [];
    for (const stepNode of r.list(f.get('steps'), 'steps') ?? []) {
      const s = r.fields(stepNode, 'a step', ['say', 'database', 'sql', 'config', 'caveat'], ['say']);
      if (!s) continue;
      const step: RollbackStep = { say: r.string(s.get('say'), 'say') ?? '', sql: [] };
      if (s.has('database')) step.database = r.word(s.get('database'), 'database', DATABASE_ENGINES);
      if (s.has('sql')) step.sql = (r.list(s.get('sql'), 'sql') ?? []).map((n) => r.string(n, 'sql') ?? '');
      if (s.has('config')) step.config = r.string(s.get('config'), 'config');
      if (s.has('caveat')) step.caveat = r.string(s.get('caveat'), 'caveat');
      steps.push(step);
    }
    out.push({ id: r.string(f.get('id'), 'id') ?? '', from: version('from'), to: version('to'), summary: r.string(f.get('summary'), 'summary') ?? '', upstream: r.string(f.get('upstream'), 'upstream') ?? '', steps });
  }
  if (r.problems.length) throw new ReleaseDataError(r.problems);
  return out;
}
