import semver from 'semver';
import type { DatabaseEngine } from './notes/types.js';
import type { RollbackProcedure } from './notes/validate-data.js';
import { canRunOn, schemaFor, type SchemaData } from './schema-facts.js';
import { parseVersion } from './version.js';

/**
 * What a rollback from `current` back to `back` must do to the database. Pure: decided from the
 * schema facts, the database's schema_compat_version and the guide's rollback procedures.
 */
export interface RollbackPlan {
  back: string;
  current: string;
  /** Restore the backup: the old version cannot run on the database as it is. */
  restore: boolean;
  /** The guide's procedures to apply (newest first) when no restore is done. */
  procedures: RollbackProcedure[];
  /** The SQL to run, in order, for this database engine. */
  sql: { procedure: string; say: string; statements: string[] }[];
  /** Config changes the guide asks for: shown to the admin, never written by the wizard. */
  configAdvice: string[];
  reason: string;
  /** Set when no rollback is possible (the database is too new and there is no backup). */
  blocked?: string;
}

const v = (version: string): string => {
  const parsed = parseVersion(version);
  if (!parsed) throw new RangeError(`"${version}" is not a Synapse version`);
  return parsed.semver;
};

/** The guide writes `file = "59/01…"`: on PostgreSQL double quotes name a column, so the literal must be single-quoted (the guide's own caveat). */
export function sqlForEngine(statement: string, engine: DatabaseEngine): string {
  return engine === 'psycopg2' ? statement.replace(/=\s*"([^"']*)"/g, "= '$1'") : statement;
}

/** Procedures whose range is crossed by going from `current` back to `back`, newest first. */
export function applicableProcedures(procedures: readonly RollbackProcedure[], back: string, current: string): RollbackProcedure[] {
  return procedures.filter((p) => semver.lte(v(back), v(p.to)) && semver.gte(v(current), v(p.from))).sort((a, b) => semver.rcompare(v(a.from), v(b.from)));
}

export function planRollback(input: {
  schema: SchemaData;
  procedures: readonly RollbackProcedure[];
  back: string;
  current: string;
  engine: DatabaseEngine;
  /** The database's schema_compat_version now; undefined when it could not be read. */
  dbCompat: number | undefined;
  haveBackup: boolean;
  /** Whether the install runs workers: a worker refuses any schema version but its own, compat or not. */
  workers?: boolean;
  /** The database's schema_version now (what the newest process that ran on it migrated to); undefined when unread. */
  dbSchema?: number;
}): RollbackPlan {
  const { schema, back, current, engine, dbCompat, haveBackup } = input;
  const procedures = applicableProcedures(input.procedures, back, current);
  const configAdvice = procedures.flatMap((p) => p.steps.filter((s) => s.config).map((s) => `${s.say}\n${s.config}`));
  const base = { back, current, configAdvice };
  const restorePlan = (reason: string): RollbackPlan =>
    haveBackup
      ? { ...base, restore: true, procedures: [], sql: [], reason }
      : { ...base, restore: false, procedures: [], sql: [], reason, blocked: `${reason}, and there is no backup to restore` };

  if (dbCompat === undefined) return restorePlan(`the database's schema_compat_version could not be read, so ${back} may not be able to use it`);
  const runs = canRunOn(schema, back, dbCompat);
  // The main process of `back` runs on a newer schema within its compat range, but its workers start only on
  // exactly its own schema version ("Expected database schema version 65 but got 66", seen on 1.46 after
  // 1.49 migrated): with workers, a schema the upgrade moved on needs the backup.
  // A rejected config leaves the schema where it was (the new version never ran): nothing to restore then.
  const backSchema = schemaFor(schema, back)?.schema;
  const nowSchema = input.dbSchema;
  if (runs !== false && input.workers && backSchema !== undefined && nowSchema !== undefined && nowSchema > backSchema) {
    return restorePlan(
      `${current} migrated the database to schema ${nowSchema}; ${back}'s main process could use it, but its workers start only on schema ${backSchema}`,
    );
  }
  if (runs !== false) {
    return { ...base, restore: false, procedures, sql: [], reason: `${back} can use the database as it is (compat version ${dbCompat})` };
  }
  // Too new for `back`. The guide's SQL is enough only when it undoes every compat raise in (back, current].
  const raises = schema.rows.filter(
    (row, i) => i > 0 && row.compat > (schema.rows[i - 1]?.compat ?? 0) && semver.gt(v(row.since), v(back)) && semver.lte(v(row.since), v(current)),
  );
  const sqlProcedures = procedures.filter((p) => p.steps.some((s) => s.sql.length));
  const covered = raises.length > 0 && raises.every((row) => sqlProcedures.some((p) => semver.eq(v(p.from), v(row.since))));
  if (!covered) return restorePlan(`the database's compat version ${dbCompat} is newer than ${back} understands`);
  const sql = sqlProcedures.flatMap((p) =>
    p.steps
      .filter((s) => s.sql.length && (!s.database || s.database === engine))
      .map((s) => ({ procedure: p.id, say: s.say, statements: s.sql.map((q) => sqlForEngine(q, engine)) })),
  );
  return {
    ...base,
    restore: false,
    procedures: sqlProcedures,
    sql,
    reason: `the upgrade guide's rollback SQL (${sqlProcedures.map((p) => p.id).join(', ')}) takes the schema back to what ${back} understands`,
  };
}
