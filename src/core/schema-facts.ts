import semver from 'semver';
import { parseVersion } from './version.js';
import { noteStart } from './notes/select.js';
import type { SchemaRow } from './notes/validate-platform.js';

/**
 * Database schema facts per release (steps/schema.yaml). A database records `compat_version` (the oldest
 * schema the data still works with); a release can run on it iff its SCHEMA_VERSION >= that compat version.
 */
/** A row of steps/schema.yaml: the numbers from release `since` on (notes/validate-platform.ts). */
export type { SchemaRow } from './notes/validate-platform.js';

export interface SchemaData {
  rows: SchemaRow[];
  /** The newest release the data knows, ending the last row of the rollback table. */
  newestRelease: string;
  /** The last release before each change of compat version (the ends of the rollback table's rows). */
  lastBeforeChange: string[];
}

export interface SchemaNumbers {
  schema: number;
  compat: number;
  since: string;
}

/** SCHEMA_VERSION and SCHEMA_COMPAT_VERSION of a release; undefined before v1.0.0. Release candidates count with their release. */
export function schemaFor(data: SchemaData, version: string): SchemaNumbers | undefined {
  const parsed = parseVersion(version);
  if (!parsed) throw new RangeError(`"${version}" is not a Synapse version`);
  const row = data.rows.filter((r) => semver.lte(noteStart(r.since), parsed.semver)).at(-1);
  return row ? { schema: row.schema, compat: row.compat, since: row.since } : undefined;
}

/** The oldest release whose SCHEMA_VERSION >= compat: how far back a database with this compat version can go. */
export function rollbackFloor(data: SchemaData, compat: number): string | undefined {
  return data.rows.find((r) => r.schema >= compat)?.since;
}

/** After running `version`, the oldest release that can still use the database without restoring a backup. */
export function rollbackFloorAfter(data: SchemaData, version: string): string | undefined {
  const numbers = schemaFor(data, version);
  return numbers ? rollbackFloor(data, numbers.compat) : undefined;
}

/** The rollback rule: `target` can run on a database whose schema_compat_version is `dbCompat`. */
export function canRunOn(data: SchemaData, target: string, dbCompat: number): boolean | undefined {
  const numbers = schemaFor(data, target);
  return numbers ? numbers.schema >= dbCompat : undefined;
}

export interface RollbackRow {
  first: string;
  last: string;
  earliest: string;
}

/** The "which versions can roll back to which" table of docs/upgrade.md, rebuilt from the rows. */
export function rollbackTable(data: SchemaData): RollbackRow[] {
  const groups: { first: string; compat: number }[] = [];
  for (const row of data.rows) if (groups.at(-1)?.compat !== row.compat) groups.push({ first: row.since, compat: row.compat });
  return groups.map((group, i) => {
    const next = groups[i + 1]?.first;
    const last = next
      ? data.lastBeforeChange
          .filter((v) => semver.gte(v, group.first) && semver.lt(v, next))
          .sort(semver.compare)
          .at(-1)
      : data.newestRelease;
    if (!last) throw new RangeError(`steps/schema.yaml: no last_before_change release between ${group.first} and ${next}`);
    return { first: group.first, last, earliest: rollbackFloor(data, group.compat) ?? group.first };
  });
}

export function renderRollbackTable(data: SchemaData): string[] {
  return [
    '| Running versions | Can roll back to (earliest) |',
    '|---|---|',
    ...rollbackTable(data).map((r) => `| v${r.first} – v${r.last} | v${r.earliest} |`),
  ];
}
