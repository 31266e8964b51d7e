import * as z from 'zod/mini';
import { DATABASE_ENGINES, NOTE_METHODS, KEY_SCOPES, PLATFORM_COMPONENTS, RESTART_MANAGERS, type Check, type KeyScope } from './types.js';
import { addProblem, fields, nameOf, parseInside, regexText, scalar, text, words } from './yaml-schema.js';

/** The checks a note can make (steps/README.md), as schemas. A list of checks is read as `all`. */

const KEY_TESTS = ['present', 'absent', 'truthy', 'equals', 'contains', 'matches'] as const;
const QUERY_TESTS = ['rows_above', 'value_above', 'value_below', 'value_equals'] as const;
const KINDS = [...KEY_SCOPES, 'platform', 'method', 'database', 'workers', 'restart', 'query', 'all', 'any', 'not'] as const;
type Kind = (typeof KINDS)[number];
const PATTERN = /^(\*|[A-Za-z0-9_@-]+)(\.(\*|[A-Za-z0-9_@-]+))*$/;
export const PLATFORM_VERSION = /^\d+(\.\d+){0,2}$/;

/** Platform versions are quoted text (`"3.10"`), because YAML reads 3.10 as the number 3.1. */
export const platformVersion = z
  .string({
    error: (iss) => (typeof iss.input === 'number' ? `${nameOf(iss.path)} must be quoted text like "3.10" (YAML reads ${iss.input} as a number)` : undefined),
  })
  .check(z.regex(PLATFORM_VERSION, { error: (iss) => `${nameOf(iss.path)} must be a version like "3.10" or "3.27.0"` }));

/** `present`, `absent` and `truthy` say only `true`; the opposite is written with `not:`. */
const onlyTrue = z.literal(true, { error: (iss) => `${nameOf(iss.path)} must be true (use not: or another test)` });
const matchesPattern = regexText((iss) => `matches: ${JSON.stringify(iss.input)} is not a valid regular expression`);

const keyPattern = text.check(
  z.refine((key) => PATTERN.test(key), { error: (iss) => `${JSON.stringify(iss.input)} is not a dotted key pattern like listeners.*.resources.*.names` }),
);
const keyTests = {
  present: z.optional(onlyTrue),
  absent: z.optional(onlyTrue),
  truthy: z.optional(onlyTrue),
  equals: z.optional(scalar),
  contains: z.optional(scalar),
  matches: z.optional(matchesPattern),
};

/** `{ config: a.dotted.key, <test>: value }`, and the same for the other scopes; no test means `present`. */
const keyCheck = (scope: KeyScope) =>
  z.pipe(
    fields(`a ${scope} check`, { [scope]: keyPattern, ...keyTests } as { [K in KeyScope]: typeof keyPattern } & typeof keyTests).check(
      z.superRefine((f, ctx) => {
        const tests = KEY_TESTS.filter((t) => f[t] !== undefined);
        if (tests.length > 1) ctx.addIssue({ code: 'custom', message: `a ${scope} check takes one test, not ${tests.join(' and ')}` });
      }),
    ),
    z.transform((f): Extract<Check, { kind: 'key' }> => {
      const key = f[scope];
      if (f.equals !== undefined) return { kind: 'key', scope, key, test: { op: 'equals', value: f.equals } };
      if (f.contains !== undefined) return { kind: 'key', scope, key, test: { op: 'contains', value: f.contains } };
      if (f.matches !== undefined) return { kind: 'key', scope, key, test: { op: 'matches', value: f.matches } };
      return { kind: 'key', scope, key, test: { op: f.absent ? 'absent' : f.truthy ? 'truthy' : 'present' } };
    }),
  );

export const platformCheck = z.pipe(
  fields('a platform check', { platform: z.enum(PLATFORM_COMPONENTS), below: platformVersion }),
  z.transform((f) => ({ kind: 'platform' as const, component: f.platform, below: f.below })),
);
export const methodCheck = z.pipe(
  fields('a method check', { method: words(NOTE_METHODS) }),
  z.transform((f) => ({ kind: 'method' as const, methods: f.method })),
);
export const databaseCheck = z.pipe(
  fields('a database check', { database: words(DATABASE_ENGINES) }),
  z.transform((f) => ({ kind: 'database' as const, engines: f.database })),
);
export const workersCheck = z.pipe(
  fields('a workers check', { workers: z.boolean() }),
  z.transform((f) => ({ kind: 'workers' as const, value: f.workers })),
);
export const restartCheck = z.pipe(
  fields('a restart check', { restart: words(RESTART_MANAGERS) }),
  z.transform((f) => ({ kind: 'restart' as const, managers: f.restart })),
);

/** A query check names a query of steps/queries.yaml (any id when `queryIds` is not given) and one test of its rows. */
export const queryCheck = (queryIds?: ReadonlySet<string>) =>
  z.pipe(
    fields('a query check', {
      query: text.check(
        z.refine((id) => !queryIds || queryIds.has(id), { error: (iss) => `query ${JSON.stringify(iss.input)} is not defined in steps/queries.yaml` }),
      ),
      rows_above: z.optional(z.number()),
      value_above: z.optional(z.number()),
      value_below: z.optional(z.number()),
      value_equals: z.optional(scalar),
    }).check(
      z.superRefine((f, ctx) => {
        if (QUERY_TESTS.filter((t) => f[t] !== undefined).length !== 1)
          ctx.addIssue({ code: 'custom', message: `a query check takes exactly one of ${QUERY_TESTS.join(', ')}` });
      }),
    ),
    z.transform((f): Extract<Check, { kind: 'query' }> => {
      const op = QUERY_TESTS.find((t) => f[t] !== undefined) ?? 'value_equals';
      const test = op === 'value_equals' ? { op, value: f.value_equals ?? null } : { op, value: f[op] ?? 0 };
      return { kind: 'query', id: f.query, test };
    }),
  );

/** One check, picked by the one kind key it has; `queryIds`: the known query ids, when given. */
export function checkSchema(queryIds?: ReadonlySet<string>): z.ZodMiniType<Check> {
  const check: z.ZodMiniType<Check> = z.lazy(() => oneCheck);
  const group = (kind: 'all' | 'any') =>
    z.pipe(
      z.array(check).check(z.minLength(1, { error: `${kind} must list at least one check` })),
      z.transform((checks: Check[]) => ({ kind, checks })),
    );
  const groupCheck = (kind: 'all' | 'any') =>
    z.pipe(
      fields(`an ${kind} check`, { [kind]: group(kind) }),
      z.transform((f) => f[kind] as Extract<Check, { kind: 'all' | 'any' }>),
    );
  const byKind: Record<Kind, z.ZodMiniType<Check>> = {
    config: keyCheck('config'),
    log_config: keyCheck('log_config'),
    app_service: keyCheck('app_service'),
    worker: keyCheck('worker'),
    platform: platformCheck,
    method: methodCheck,
    database: databaseCheck,
    workers: workersCheck,
    restart: restartCheck,
    query: queryCheck(queryIds),
    not: z.pipe(
      fields('a not check', { not: check }),
      z.transform((f) => ({ kind: 'not' as const, check: f.not })),
    ),
    all: groupCheck('all'),
    any: groupCheck('any'),
  };
  const list = group('all');
  const oneCheck = z.transform((raw: unknown, ctx): Check => {
    if (Array.isArray(raw)) return parseInside(list, raw, ctx);
    if (typeof raw !== 'object' || raw === null) return addProblem(ctx, 'a check must be a mapping such as { config: some.key, present: true }');
    const kinds = Object.keys(raw).filter((k): k is Kind => (KINDS as readonly string[]).includes(k));
    const [kind] = kinds;
    if (kinds.length !== 1 || kind === undefined)
      return addProblem(ctx, `a check needs exactly one of ${KINDS.join(', ')} (found ${kinds.length ? kinds.join(', ') : 'none'})`);
    return parseInside(byKind[kind], raw, ctx);
  });
  return check;
}
