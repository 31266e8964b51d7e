import { isMap, isSeq } from 'yaml';
import { DATABASE_ENGINES, METHOD_NAMES, KEY_SCOPES, PLATFORM_COMPONENTS, RESTART_MANAGERS, type Check, type KeyScope, type KeyTest, type QueryTest } from './types.js';
import type { NodeReader } from './yaml-nodes.js';

const KEY_TESTS = ['present', 'absent', 'truthy', 'equals', 'contains', 'matches'] as const;
const QUERY_TESTS = ['rows_above', 'value_above', 'value_below', 'value_equals'] as const;
const KINDS = [...KEY_SCOPES, 'platform', 'method', 'database', 'workers', 'restart', 'query', 'all', 'any', 'not'] as const;
const PATTERN = /^(\*|[A-Za-z0-9_@-]+)(\.(\*|[A-Za-z0-9_@-]+))*$/;
export const PLATFORM_VERSION = /^\d+(\.\d+){0,2}$/;

/** Reads one check (see steps/README.md). A list is read as `all`. `queryIds`: known query ids, when given. */
export function readCheck(r: NodeReader, node: unknown, queryIds?: ReadonlySet<string>): Check | undefined {
  if (isSeq(node)) return readGroup(r, node, 'all', queryIds);
  if (!isMap(node)) return r.fail(node, 'a check must be a mapping such as { config: some.key, present: true }');
  const kinds = node.items.map((pair) => String((pair.key as { value?: unknown } | null)?.value)).filter((k) => (KINDS as readonly string[]).includes(k));
  if (kinds.length !== 1) {
    return r.fail(node, `a check needs exactly one of ${KINDS.join(', ')} (found ${kinds.length ? kinds.join(', ') : 'none'})`);
  }
  const kind = kinds[0] as (typeof KINDS)[number];
  if ((KEY_SCOPES as readonly string[]).includes(kind)) return readKeyCheck(r, node, kind as KeyScope);
  switch (kind) {
    case 'platform': {
      const f = r.fields(node, 'a platform check', ['platform', 'below'], ['platform', 'below']);
      const component = f && r.word(f.get('platform'), 'platform', PLATFORM_COMPONENTS);
      const below = f && readPlatformVersion(r, f.get('below'), 'below');
      return component && below ? { kind: 'platform', component, below } : undefined;
    }
    case 'method': {
      const f = r.fields(node, 'a method check', ['method']);
      const methods = f && r.words(f.get('method'), 'method', METHOD_NAMES);
      return methods ? { kind: 'method', methods } : undefined;
    }
    case 'database': {
      const f = r.fields(node, 'a database check', ['database']);
      const engines = f && r.words(f.get('database'), 'database', DATABASE_ENGINES);
      return engines ? { kind: 'database', engines } : undefined;
    }
    case 'workers': {
      const f = r.fields(node, 'a workers check', ['workers']);
      const value = f && r.boolean(f.get('workers'), 'workers');
      return value === undefined ? undefined : { kind: 'workers', value };
    }
    case 'restart': {
      const f = r.fields(node, 'a restart check', ['restart']);
      const managers = f && r.words(f.get('restart'), 'restart', RESTART_MANAGERS);
      return managers ? { kind: 'restart', managers } : undefined;
    }
    case 'query':
      return readQueryCheck(r, node, queryIds);
    case 'not': {
      const f = r.fields(node, 'a not check', ['not']);
      const inner = f && readCheck(r, f.get('not'), queryIds);
      return inner ? { kind: 'not', check: inner } : undefined;
    }
    case 'all':
    case 'any': {
      const f = r.fields(node, `an ${kind} check`, [kind]);
      const list = f?.get(kind);
      return isSeq(list) ? readGroup(r, list, kind, queryIds) : r.fail(list ?? node, `${kind} takes a list of checks`);
    }
    default:
      return undefined;
  }
}

function readGroup(r: NodeReader, node: unknown, kind: 'all' | 'any', queryIds?: ReadonlySet<string>): Check | undefined {
  const items = r.list(node, kind);
  if (!items) return undefined;
  if (items.length === 0) return r.fail(node, `${kind} must list at least one check`);
  const checks = items.map((item) => readCheck(r, item, queryIds));
  return checks.every((c): c is Check => c !== undefined) ? { kind, checks } : undefined;
}

function readKeyCheck(r: NodeReader, node: unknown, scope: KeyScope): Check | undefined {
  const f = r.fields(node, `a ${scope} check`, [scope, ...KEY_TESTS]);
  if (!f) return undefined;
  const key = r.string(f.get(scope), `${scope} (a dotted key pattern)`);
  if (key === undefined) return undefined;
  if (!PATTERN.test(key)) return r.fail(f.get(scope), `"${key}" is not a dotted key pattern like listeners.*.resources.*.names`);
  const tests = KEY_TESTS.filter((t) => f.has(t));
  if (tests.length > 1) return r.fail(node, `a ${scope} check takes one test, not ${tests.join(' and ')}`);
  const op = tests[0] ?? 'present';
  const valueNode = f.get(op);
  let test: KeyTest;
  if (op === 'present' || op === 'absent' || op === 'truthy') {
    if (tests.length && r.boolean(valueNode, op) !== true) return r.fail(valueNode, `${op} must be true (use not: or another test)`);
    test = { op };
  } else if (op === 'matches') {
    const pattern = r.string(valueNode, 'matches');
    if (pattern === undefined) return undefined;
    try {
      new RegExp(pattern);
    } catch {
      return r.fail(valueNode, `matches: "${pattern}" is not a valid regular expression`);
    }
    test = { op, value: pattern };
  } else {
    const value = r.scalar(valueNode, op);
    if (value === undefined) return undefined;
    test = { op, value };
  }
  return { kind: 'key', scope, key, test };
}

function readQueryCheck(r: NodeReader, node: unknown, queryIds?: ReadonlySet<string>): Check | undefined {
  const f = r.fields(node, 'a query check', ['query', ...QUERY_TESTS], ['query']);
  if (!f) return undefined;
  const id = r.string(f.get('query'), 'query');
  if (id === undefined) return undefined;
  if (queryIds && !queryIds.has(id)) return r.fail(f.get('query'), `query "${id}" is not defined in steps/queries.yaml`);
  const tests = QUERY_TESTS.filter((t) => f.has(t));
  if (tests.length !== 1) return r.fail(node, `a query check takes exactly one of ${QUERY_TESTS.join(', ')}`);
  const op = tests[0] as (typeof QUERY_TESTS)[number];
  let test: QueryTest | undefined;
  if (op === 'value_equals') {
    const value = r.scalar(f.get(op), op);
    if (value !== undefined) test = { op, value };
  } else {
    const value = r.number(f.get(op), op);
    if (value !== undefined) test = { op, value };
  }
  return test ? { kind: 'query', id, test } : undefined;
}

/** Platform versions are quoted text (`"3.10"`), because YAML reads 3.10 as the number 3.1. */
export function readPlatformVersion(r: NodeReader, node: unknown, what: string): string | undefined {
  const value = r.scalar(node, what);
  if (typeof value === 'number') return r.fail(node, `${what} must be quoted text like "3.10" (YAML reads ${value} as a number)`);
  if (typeof value !== 'string' || !PLATFORM_VERSION.test(value)) {
    return value === undefined ? undefined : r.fail(node, `${what} must be a version like "3.10" or "3.27.0"`);
  }
  return value;
}
