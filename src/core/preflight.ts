import semver from 'semver';
import { floorsFor, newestRunnableOn, compareDotted, type FloorComponent, type PlatformData, type PlatformVersions } from './platform.js';
import { rollbackFloor, rollbackFloorAfter, type SchemaData } from './schema-facts.js';
import { parseVersion } from './version.js';

/**
 * Preflight: the checks run before anything changes. Each passes, warns or fails, with the
 * evidence it is based on. Pure: the probes that gather the inputs live in engine/steps/preflight.ts.
 */
export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface PreflightCheck {
  /** Stable name (`python`, `sqlite`, `postgresql`, `disk-database`, `disk-backup`, `user`, `background-updates`, `rollback-floor`). */
  id: string;
  name: string;
  status: CheckStatus;
  evidence: string;
  /** What to do about a warning or a failure. */
  fix?: string;
}

const LABEL: Record<FloorComponent, string> = { python: 'Python', sqlite: 'SQLite', postgresql: 'PostgreSQL' };

/** The newest release this platform can run, worded for a fix line; undefined when there is no known limit. */
export function newestRunnableSentence(data: PlatformData, platform: PlatformVersions): string | undefined {
  const limit = newestRunnableOn(data, platform);
  if (limit.last) return `The newest release this platform can run is ${limit.last}.`;
  if (limit.before) return `This platform can run releases before ${limit.before}.`;
  return undefined;
}

/**
 * One check per platform component that matters for this database engine: Python always, SQLite
 * when the database is SQLite, PostgreSQL when it is PostgreSQL. `have[c]` undefined means "could not be read"
 * (`unreadable[c]` says why).
 */
export function platformChecks(
  data: PlatformData,
  target: string,
  have: PlatformVersions,
  opts: { engine: 'sqlite3' | 'psycopg2'; source: Partial<Record<FloorComponent, string>>; unreadable?: Partial<Record<FloorComponent, string>> },
): PreflightCheck[] {
  const floors = floorsFor(data, target);
  const wanted: FloorComponent[] = ['python', opts.engine === 'sqlite3' ? 'sqlite' : 'postgresql'];
  return wanted.map((c) => {
    const label = LABEL[c];
    const floor = floors[c];
    const version = have[c];
    const from = opts.source[c] ? ` (${opts.source[c]})` : '';
    if (version === undefined) {
      const why = opts.unreadable?.[c] ?? 'it could not be read';
      // A database that cannot be reached is a failure: the upgrade could not migrate it either.
      return { id: c, name: `${label} version`, status: c === 'python' || c === 'postgresql' ? 'fail' : 'warn', evidence: `${label} version unknown: ${why}` };
    }
    if (!floor) return { id: c, name: `${label} version`, status: 'pass', evidence: `${label} ${version}${from}; ${target} states no minimum` };
    const need = `${target} needs ${label} ${floor.min} or newer (${floor.enforced ? 'enforced' : 'documented'} from ${floor.since})`;
    if ((compareDotted(version, floor.min) ?? 0) >= 0)
      return { id: c, name: `${label} version`, status: 'pass', evidence: `${label} ${version}${from}; ${need}` };
    const newest = newestRunnableSentence(data, have);
    return {
      id: c,
      name: `${label} version`,
      status: floor.enforced ? 'fail' : 'warn',
      evidence: `${label} ${version}${from} is older than ${floor.min}: ${need}`,
      fix: [newest, `Upgrade ${label} first, or choose an older target.`].filter(Boolean).join(' '),
    };
  });
}

export interface DiskInput {
  /** Bytes the database takes now (SQLite file + WAL, or pg_database_size). */
  databaseBytes: number | undefined;
  /** Extra bytes the migration may need on the database's filesystem (index rebuilds); 0 when none. */
  rebuildBytes: number;
  /** Free bytes on the database's filesystem; undefined when it is not visible from here (a remote PostgreSQL). */
  databaseFree: { path: string; free: number; device: number } | undefined;
  /** Free bytes where the backup goes; undefined when no backup is taken. */
  backupFree: { path: string; free: number; device: number } | undefined;
  why?: string;
}

export const formatBytes = (n: number): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
};

/**
 * Free space against what the upgrade needs: the backup is about as big as the database (a
 * `pg_dump -Fc` is usually smaller); index rebuilds need room next to the database. Both on one
 * filesystem add up. A 5% (at least 16 MiB) margin is kept everywhere.
 */
export function diskChecks(input: DiskInput): PreflightCheck[] {
  const size = input.databaseBytes;
  if (size === undefined) {
    return [
      {
        id: 'disk-database',
        name: 'Free disk',
        status: 'warn',
        evidence: `the database size is unknown${input.why ? `: ${input.why}` : ''}, so free space was not compared`,
      },
    ];
  }
  const margin = (need: number): number => Math.ceil(need + Math.max(need * 0.05, 16 * 1024 * 1024));
  const out: PreflightCheck[] = [];
  const sameFs = input.databaseFree && input.backupFree && input.databaseFree.device === input.backupFree.device;
  const backupNeed = input.backupFree ? size : 0;
  if (input.databaseFree) {
    const need = margin(input.rebuildBytes + (sameFs ? backupNeed : 0));
    const what =
      [
        input.rebuildBytes ? `${formatBytes(input.rebuildBytes)} for index rebuilds` : '',
        sameFs ? `${formatBytes(backupNeed)} for the backup on the same filesystem` : '',
      ]
        .filter(Boolean)
        .join(' + ') || 'room to migrate';
    const ok = input.databaseFree.free >= need;
    out.push({
      id: 'disk-database',
      name: 'Free disk for the database',
      status: ok ? 'pass' : 'fail',
      evidence: `${formatBytes(input.databaseFree.free)} free at ${input.databaseFree.path}; the database is ${formatBytes(size)}, the upgrade needs ${formatBytes(need)} (${what}, with margin)`,
      ...(ok
        ? {}
        : {
            fix: `Free at least ${formatBytes(need - input.databaseFree.free)} on the filesystem of ${input.databaseFree.path}${input.backupFree && sameFs ? ', or put the backup elsewhere with --backup-dir' : ''}.`,
          }),
    });
  } else {
    out.push({
      id: 'disk-database',
      name: 'Free disk for the database',
      status: input.rebuildBytes ? 'warn' : 'pass',
      evidence: `the database is ${formatBytes(size)}; its server's disk is not visible from here${input.rebuildBytes ? `, and the upgrade rebuilds indexes (about ${formatBytes(input.rebuildBytes)} more)` : ''}`,
      ...(input.rebuildBytes ? { fix: `Check that the PostgreSQL server has ${formatBytes(input.rebuildBytes)} free.` } : {}),
    });
  }
  if (input.backupFree && !sameFs) {
    const need = margin(backupNeed);
    const ok = input.backupFree.free >= need;
    out.push({
      id: 'disk-backup',
      name: 'Free disk for the backup',
      status: ok ? 'pass' : 'fail',
      evidence: `${formatBytes(input.backupFree.free)} free at ${input.backupFree.path}; the backup needs about ${formatBytes(need)} (the database is ${formatBytes(size)}, with margin)`,
      ...(ok ? {} : { fix: `Free ${formatBytes(need - input.backupFree.free)} there, or choose another folder with --backup-dir.` }),
    });
  }
  return out;
}

/**
 * Releases whose schema changes rebuild big indexes, and the share of the database size they may
 * need on top (from the upgrade notes: v1.38 rebuilds four events indexes; v1.68's
 * 71/01rebuild_event_edges rebuilds event_edges). An estimate, shown as such.
 */
export const INDEX_REBUILDS: readonly { since: string; share: number; what: string }[] = [
  { since: '1.38.0', share: 0.5, what: 'v1.38 rebuilds four indexes of the events table' },
  { since: '1.68.0', share: 0.25, what: 'v1.68 rebuilds event_edges (71/01rebuild_event_edges)' },
];

/** Extra bytes for index rebuilds of releases in (from, target]. */
export function rebuildEstimate(from: string, target: string, databaseBytes: number): { bytes: number; why: string[] } {
  const f = parseVersion(from)?.semver;
  const t = parseVersion(target)?.semver;
  if (!f || !t) return { bytes: 0, why: [] };
  const hits = INDEX_REBUILDS.filter((r) => semver.gt(r.since, f) && semver.lte(r.since, t));
  return { bytes: Math.ceil(hits.reduce((sum, r) => sum + r.share * databaseBytes, 0)), why: hits.map((h) => h.what) };
}

export interface UserInput {
  /** Root is needed: `tools` need it for `action` (Debian: dpkg/apt, installing a .deb). Else the owner of `path` runs it. */
  root?: { tools: string; action: string };
  /** The owner of the venv (pip) or whatever the method installs into. */
  owner: { uid: number; name: string | undefined } | undefined;
  me: { uid: number; name: string | undefined };
  /** This command line, to show with `sudo -u`. */
  commandLine: string;
  path: string;
}

/** pip must run as the venv's owner (root-owned files break a venv); a method whose tools need root, as root. */
export function userCheck(input: UserInput): PreflightCheck {
  const who = (u: { uid: number; name: string | undefined }): string => `${u.name ?? 'uid'} (uid ${u.uid})`;
  if (input.root) {
    return input.me.uid === 0
      ? { id: 'user', name: 'User', status: 'pass', evidence: `running as root, as ${input.root.tools} need` }
      : {
          id: 'user',
          name: 'User',
          status: 'fail',
          evidence: `running as ${who(input.me)}; ${input.root.action} needs root`,
          fix: `Run it as root: sudo ${input.commandLine}`,
        };
  }
  if (!input.owner) return { id: 'user', name: 'User', status: 'warn', evidence: `the owner of ${input.path} could not be read` };
  if (input.owner.uid === input.me.uid)
    return { id: 'user', name: 'User', status: 'pass', evidence: `running as ${who(input.me)}, the owner of ${input.path}` };
  const as = input.owner.name ?? `#${input.owner.uid}`;
  return {
    id: 'user',
    name: 'User',
    status: 'fail',
    evidence: `${input.path} belongs to ${who(input.owner)} but this runs as ${who(input.me)}: pip would leave files the homeserver's user cannot use`,
    fix: `Run it as the venv's owner: sudo -u ${as} ${input.commandLine}`,
  };
}

/** Background updates still queued: a new release may depend on them. `--yes` refuses rather than guess. */
export function backgroundUpdatesCheck(pending: string[] | undefined, yes: boolean, why?: string): PreflightCheck {
  if (pending === undefined)
    return { id: 'background-updates', name: 'Background updates', status: 'warn', evidence: `could not be read${why ? `: ${why}` : ''}` };
  if (pending.length === 0)
    return { id: 'background-updates', name: 'Background updates', status: 'pass', evidence: 'none pending (background_updates is empty)' };
  const shown = pending.slice(0, 5).join(', ') + (pending.length > 5 ? `, … (${pending.length} in all)` : '');
  return {
    id: 'background-updates',
    name: 'Background updates',
    status: yes ? 'fail' : 'warn',
    evidence: `${pending.length} still pending in background_updates: ${shown}`,
    fix: yes
      ? 'Let them finish first (SELECT update_name FROM background_updates; until it is empty), then run again; --yes does not upgrade over pending updates.'
      : 'Better let them finish first; upgrading now can make the new release wait for them or fail.',
  };
}

/** How far back a rollback can go without the backup: today, and after the upgrade. */
export function rollbackFloorCheck(
  schema: SchemaData,
  input: { from: string; target: string; dbCompat: number | undefined; backup: boolean; why?: string },
): PreflightCheck {
  const after = rollbackFloorAfter(schema, input.target);
  const now = input.dbCompat === undefined ? undefined : rollbackFloor(schema, input.dbCompat);
  const base = `${input.dbCompat === undefined ? `schema_compat_version could not be read${input.why ? ` (${input.why})` : ''}` : `schema_compat_version is ${input.dbCompat} (this database can go back to ${now ?? 'any release'})`}; after ${input.target} it can go back to ${after ?? 'any release'} without restoring a backup`;
  const f = parseVersion(input.from)?.semver;
  const reachable = after === undefined || (f !== undefined && semver.gte(f, after));
  if (reachable) return { id: 'rollback-floor', name: 'Rollback floor', status: 'pass', evidence: `${base}, so ${input.from} stays reachable` };
  return {
    id: 'rollback-floor',
    name: 'Rollback floor',
    status: input.backup ? 'pass' : 'warn',
    evidence: `${base}: going back to ${input.from} will need the backup`,
    ...(input.backup ? {} : { fix: `Without a backup (--no-backup) there is no way back to ${input.from} once the new version has migrated the database.` }),
  };
}

/** The summary line of a preflight: "6 checks: 5 pass, 1 warn". */
export function preflightSummary(checks: readonly PreflightCheck[]): string {
  const n = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
  return `${checks.length} checks: ${n('pass')} pass, ${n('warn')} warn, ${n('fail')} fail`;
}
