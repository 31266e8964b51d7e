import * as z from 'zod/mini';
import { DATABASE_ENGINES, type QueryDef } from './types.js';
import { kebabId } from './validate-release.js';
import { ReleaseDataError } from './yaml-nodes.js';
import { addProblem, fields, readYaml, releaseVersion, text, type ParsedYaml } from './yaml-schema.js';

const READ_ONLY = /^\s*(SELECT|WITH)\b/i;
const readOnlySql = text.check(z.refine((sql) => READ_ONLY.test(sql), { error: 'a query must be read-only: start with SELECT or WITH' }));

/** A read-only SQL query the checks name by id: `sql` for both engines, or `sqlite3`/`psycopg2` each. */
export const querySchema = z.pipe(
  fields('a query', {
    id: kebabId('query id'),
    description: text,
    sql: z.optional(readOnlySql),
    sqlite3: z.optional(readOnlySql),
    psycopg2: z.optional(readOnlySql),
  }),
  z.transform((q, ctx) => {
    const sql: Partial<Record<(typeof DATABASE_ENGINES)[number], string>> = {};
    for (const engine of DATABASE_ENGINES) {
      const own = q[engine] ?? q.sql;
      if (own !== undefined) sql[engine] = own;
    }
    if (!Object.keys(sql).length) return addProblem(ctx, `query "${q.id}" needs sql (both engines) or sqlite3/psycopg2`);
    return { id: q.id, description: q.description, sql };
  }),
);

const queriesFile = fields('queries.yaml', {
  queries: z.array(querySchema).check(
    z.superRefine((queries, ctx) => {
      queries.forEach((q, i) => {
        if (queries.findIndex((other) => other.id === q.id) < i)
          ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `query id "${q.id}" is defined twice` });
      });
    }),
  ),
});

/** steps/queries.yaml: read-only SQL the checks name by id. Only SELECT/WITH statements are accepted. */
export function readQueries(file: ParsedYaml): QueryDef[] {
  const { value, problems } = readYaml(queriesFile, file);
  if (!value) throw new ReleaseDataError(problems);
  return value.queries;
}

/** One step of a schema rollback the upgrade notes give; `database`: only for this engine; `config`: a homeserver.yaml snippet to set. */
const rollbackStep = z.pipe(
  fields('a step', {
    say: text,
    database: z.optional(z.enum(DATABASE_ENGINES)),
    sql: z.optional(z.array(text)),
    config: z.optional(text),
    caveat: z.optional(text),
  }),
  z.transform(({ sql, ...step }) => ({ ...step, sql: sql ?? [] })),
);

const rollbackVersion = releaseVersion();
const procedure = fields('a procedure', { id: text, from: rollbackVersion, to: rollbackVersion, summary: text, upstream: text, steps: z.array(rollbackStep) });

export type RollbackProcedure = z.output<typeof procedure>;

/** steps/rollback.yaml: the schema rollbacks the upgrade notes describe, SQL exactly as given there. */
export function readRollbacks(file: ParsedYaml): RollbackProcedure[] {
  const { value, problems } = readYaml(fields('rollback.yaml', { procedures: z.array(procedure) }), file);
  if (!value) throw new ReleaseDataError(problems);
  return value.procedures;
}
