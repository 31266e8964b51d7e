import type * as z from 'zod/mini';
import type { databaseCheck, methodCheck, platformCheck, restartCheck, workersCheck } from './validate-check.js';
import type { querySchema } from './validate-data.js';
import type { concernsSchema, NoteFields } from './validate-release.js';
import type { Scalar } from './yaml-schema.js';

/** Upgrade notes as data: the shapes read from steps/releases/*.yaml and the facts they are checked against. */

export const SEVERITIES = ['breaking', 'action', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** What happens to a server that ignores a note, as the Synapse code shows it; it fixes the severity. */
export const EFFECTS = ['refuses-to-start', 'stops-working', 'loses-data', 'must-change', 'none'] as const;
export type Effect = (typeof EFFECTS)[number];
export const SEVERITY_OF_EFFECT: Record<Effect, Severity> = {
  'refuses-to-start': 'breaking',
  'stops-working': 'breaking',
  'loses-data': 'breaking',
  'must-change': 'action',
  none: 'info',
};
/** The install methods the release data can name (a check's `method:`, a note's `concerns.methods`). */
export const NOTE_METHODS = ['pip', 'git', 'debian', 'docker'] as const;
export const DATABASE_ENGINES = ['sqlite3', 'psycopg2'] as const;
export type DatabaseEngine = (typeof DATABASE_ENGINES)[number];
/** What restarts Synapse (src/methods/types.ts RestartManager kinds). */
export const RESTART_MANAGERS = ['synctl', 'systemd', 'docker'] as const;
export type RestartKind = (typeof RESTART_MANAGERS)[number];
export const PLATFORM_COMPONENTS = ['python', 'postgresql', 'sqlite', 'rust'] as const;
export type PlatformComponent = (typeof PLATFORM_COMPONENTS)[number];
/** Where a key check looks: the merged homeserver config or a file it names. */
export const KEY_SCOPES = ['config', 'log_config', 'app_service', 'worker'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

export type { Scalar } from './yaml-schema.js';

export type KeyTest =
  | { op: 'present' }
  | { op: 'absent' }
  | { op: 'truthy' }
  | { op: 'equals'; value: Scalar }
  | { op: 'contains'; value: Scalar }
  | { op: 'matches'; value: string };

export type QueryTest = { op: 'rows_above' | 'value_above' | 'value_below'; value: number } | { op: 'value_equals'; value: Scalar };

/** A check as the schemas in validate-check.ts read it; `all`, `any` and `not` nest checks. */
export type Check =
  | { kind: 'key'; scope: KeyScope; key: string; test: KeyTest }
  | z.output<typeof platformCheck | typeof methodCheck | typeof databaseCheck | typeof workersCheck | typeof restartCheck>
  | { kind: 'query'; id: string; test: QueryTest }
  | { kind: 'all' | 'any'; checks: Check[] }
  | { kind: 'not'; check: Check };

/** Which servers a note is about (validate-release.ts concernsSchema). */
export type Concerns = z.output<typeof concernsSchema>;

/** A note as validate-release.ts reads it, with its release, its place and `applies: always` as a flag. */
export type Note = Omit<NoteFields, 'version' | 'concerns' | 'applies'> & {
  /** Normalised `X.Y.Z` of the release the note belongs to. */
  version: string;
  concerns: Concerns;
  /** `always`: the note applies to every server its concerns cover. */
  always: boolean;
  /** Where the note is written, for messages. */
  file: string;
  line: number;
};

export interface ReleaseFile {
  version: string;
  file: string;
  notes: Note[];
}

/** A read-only SQL query the checks can name (validate-data.ts querySchema). */
export type QueryDef = z.output<typeof querySchema>;

// ---- Facts: everything evaluateNotes needs, gathered elsewhere (src/system/note-facts.ts). ----

export interface SourceMatch {
  path: (string | number)[];
  value: unknown;
  file: string;
  line: number | undefined;
}

/** A YAML source with positions: the merged homeserver config, or one file it names. */
export interface ConfigSource {
  /** The file named in findings that are about the whole source (e.g. "key is absent"). */
  file: string;
  find(pattern: string): SourceMatch[];
}

/** The files of one kind (log config, app service registrations, worker configs). */
export interface SourceSet {
  sources: ConfigSource[];
  unreadable: { file: string; reason: string }[];
}

export type QueryOutcome = { rows: Record<string, unknown>[] } | { error: string };

/** Any fact left undefined was not gathered: checks that need it evaluate to `unknown`. */
export interface NoteFacts {
  config?: ConfigSource;
  /** Why `config` is missing, shown in findings of unknown notes. */
  configProblem?: string;
  logConfig?: SourceSet;
  appServices?: SourceSet;
  workerConfigs?: SourceSet;
  hasWorkers?: boolean;
  /** What decided `hasWorkers`, worded for the admin (e.g. "detection found no worker: ..."). */
  workersEvidence?: string;
  /** What restarts Synapse, as detection found it. */
  restart?: { kind: RestartKind; evidence: string };
  /** The install's method name; one the release data does not name matches no `method:` check. */
  installMethod?: string;
  database?: DatabaseEngine;
  platform?: Partial<Record<PlatformComponent, string>>;
  /** Where each platform version was read (shown with the verdict). */
  platformSources?: Partial<Record<PlatformComponent, string>>;
  queries?: Record<string, QueryOutcome>;
}

export type Applies = 'yes' | 'no' | 'unknown';

export interface Finding {
  /** null when the evidence is not in a file (platform, query, install method). */
  file: string | null;
  line: number | null;
  message: string;
}

export interface NoteResult {
  version: string;
  id: string;
  title: string;
  severity: Severity;
  applies: Applies;
  findings: Finding[];
}
