/**
 * Config fixes as data: the `fixes:` of a note in steps/releases/*.yaml. A small vocabulary, each op naming dotted
 * key paths (`*` matches any key or list index in `delete` and `transform`):
 *   rename: a.b      to: c          the key keeps its place and value, under a new name (same section)
 *   move: a.b | [..] to: x.y        the value goes to another section (created when missing); several sources must agree
 *   delete: a.b                     the key goes (optionally unless its value matches a regular expression)
 *   transform: a.b   with: NAME     the value is rewritten by a named pure function (src/core/fixes/transforms.ts)
 * `merge: union` lets a rename or move join a list with one already at the target, without duplicates.
 * `from:` (move) and `in:` (others) name the files: the homeserver config, its log config, the worker configs.
 */

export const FIX_SCOPES = ['config', 'log_config', 'worker'] as const;
export type FixScope = (typeof FIX_SCOPES)[number];

export type FixOp =
  | { op: 'rename'; path: string; to: string; merge?: 'union'; in: FixScope[] }
  | { op: 'move'; paths: string[]; to: string; merge?: 'union'; with?: string; from: FixScope[] }
  | { op: 'delete'; path: string; unlessMatches?: string; in: FixScope[] }
  | { op: 'transform'; path: string; with: string; in: FixScope[] };

/** One file a fix may read and change. */
export interface FixFile {
  path: string;
  scope: FixScope;
  text: string;
}

/** One change of one fix, as `notes --fix --json` reports it. */
export interface FixChange {
  noteId: string;
  file: string;
  /** The line of the changed key in the file before the fix (null when the key is new). */
  line: number | null;
  /** The setting before and after, secrets masked; null when absent. */
  before: { key: string; value: unknown } | null;
  after: { key: string; value: unknown } | null;
}

/** A note whose fix could not be made exactly: why, worded for the admin. */
export interface FixRefusal {
  noteId: string;
  reason: string;
}

/** Everything the fixes of the applicable notes would do: the new text of each file that changes. */
export interface FixPlan {
  files: { path: string; scope: FixScope; before: string; after: string }[];
  changes: FixChange[];
  refused: FixRefusal[];
  /** Notes whose fixes were computed and left nothing to change (already fixed). */
  unchanged: string[];
}
