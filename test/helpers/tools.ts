import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';

/** The full path of a program on PATH, or undefined. */
export function which(tool: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return join(dir, tool);
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Skips a test because something it needs is missing, saying why, except in CI: with
 * SYNAPSE_UPGRADE_NO_SKIP set (.ci/run sets it) that is a failure instead. Returns true when the test must stop.
 */
export function missingTool(t: TestContext, why: string | undefined): boolean {
  if (!why) return false;
  if (process.env.SYNAPSE_UPGRADE_NO_SKIP) throw new Error(`${why} (SYNAPSE_UPGRADE_NO_SKIP is set: nothing may be skipped)`);
  t.skip(why);
  return true;
}

/**
 * Tools a test needs. Missing ones skip the test on a developer's machine; in CI
 * (SYNAPSE_UPGRADE_NO_SKIP set) a missing tool fails it instead. Returns false when skipped.
 */
export function needTools(t: TestContext, tools: string[], also: { root?: boolean } = {}): boolean {
  const missing = tools.filter((tool) => !which(tool));
  if (also.root && process.getuid?.() !== 0) missing.push('root (uid 0)');
  return !missingTool(t, missing.length ? `needs ${missing.join(', ')}` : undefined);
}
