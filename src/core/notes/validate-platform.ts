import semver from 'semver';
import * as z from 'zod/mini';
import { FLOOR_COMPONENTS, type PlatformData } from '../platform.js';
import type { SchemaData } from '../schema-facts.js';
import { platformVersion } from './validate-check.js';
import { ReleaseDataError } from './yaml-nodes.js';
import { fields, readYaml, releaseVersion, text, type ParsedYaml } from './yaml-schema.js';

const release = releaseVersion();

/** Rows that must follow each other in ascending release order of `since`. */
const ascending = <T extends z.ZodMiniType<{ since: string }>>(row: T, what: string) =>
  z.array(row).check(
    z.superRefine((rows, ctx) => {
      rows.forEach((r, i) => {
        const prev = rows[i - 1]?.since;
        if (prev && !semver.gt(r.since, prev))
          ctx.addIssue({ code: 'custom', path: [i], message: `${what} must be in ascending release order (${r.since} after ${prev})` });
      });
    }),
  );

/** The oldest Python, PostgreSQL and SQLite a release supports; `enforced`: Synapse refuses below it (else only documented). */
const floor = fields('a floor', {
  since: release,
  python: z.optional(platformVersion),
  postgresql: z.optional(platformVersion),
  sqlite: z.optional(platformVersion),
  enforced: z.boolean(),
  note: z.optional(text),
  source: text,
});

/** Platforms below `below` can run release `last` at most; `docs_say`: what the upgrade notes said instead, when they differ. */
const lastUsableFields = fields('a last_usable entry', {
  component: z.enum(FLOOR_COMPONENTS),
  below: platformVersion,
  last: release,
  docs_say: z.optional(release),
});
const lastUsable = z.pipe(
  lastUsableFields,
  z.transform(({ docs_say, ...row }: z.output<typeof lastUsableFields>) => (docs_say === undefined ? row : { ...row, docsSay: docs_say })),
);

const rustMsrv = fields('a rust entry', { since: release, msrv: platformVersion, documented: z.boolean() });

export type PlatformFloor = z.output<typeof floor>;
export type LastUsable = z.output<typeof lastUsable>;
export type RustMsrv = z.output<typeof rustMsrv>;

const platformFile = fields('platform.yaml', { floors: ascending(floor, 'floors'), last_usable: z.array(lastUsable), rust: ascending(rustMsrv, 'rust') });

/** steps/platform.yaml: floors, last-usable facts, Rust MSRV. */
export function readPlatformData(file: ParsedYaml): PlatformData {
  const { value, problems } = readYaml(platformFile, file);
  if (!value) throw new ReleaseDataError(problems);
  return { floors: value.floors, lastUsable: value.last_usable, rust: value.rust };
}

/** SCHEMA_VERSION and SCHEMA_COMPAT_VERSION from release `since` on. */
const schemaRow = fields('a schema row', { since: release, schema: z.number(), compat: z.number() }).check(
  z.superRefine((row, ctx) => {
    if (row.compat > row.schema) ctx.addIssue({ code: 'custom', message: `compat ${row.compat} is above schema ${row.schema}` });
  }),
);

export type SchemaRow = z.output<typeof schemaRow>;

const schemaFile = fields('schema.yaml', {
  newest_release: release,
  last_before_change: z.array(release),
  schema: ascending(schemaRow, 'schema rows').check(
    z.superRefine((rows, ctx) => {
      rows.forEach((row, i) => {
        const prev = rows[i - 1];
        if (prev && (row.schema < prev.schema || row.compat < prev.compat))
          ctx.addIssue({ code: 'custom', path: [i], message: `schema numbers never go down (${row.since} after ${prev.since})` });
      });
    }),
  ),
});

/** steps/schema.yaml: (SCHEMA_VERSION, SCHEMA_COMPAT_VERSION) from their first release on. */
export function readSchemaData(file: ParsedYaml): SchemaData {
  const { value, problems } = readYaml(schemaFile, file);
  if (!value) throw new ReleaseDataError(problems);
  return { rows: value.schema, newestRelease: value.newest_release, lastBeforeChange: value.last_before_change };
}
