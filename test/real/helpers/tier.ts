// The entry of every test in test/real: asks the package index which releases exist (skip with a reason when
// it cannot be reached; a failure in CI, see missingTool), resolves the scenario's versions from
// versions.json, and gives the wizard an environment that reaches the index through the machine's own pip
// settings with pip's cache in the tier's cache.
import type { TestContext } from 'node:test';
import { join } from 'node:path';
import semver from 'semver';
import { missingTool } from '../../helpers/tools.js';
import { pipEnv } from './cache.js';
import { VERSIONS, indexReleases, resolveVersion } from './versions.js';

export interface Tier {
  /** Releases of matrix-synapse on the index, newest first. */
  releases: string[];
  newest: string;
  resolve(word: string): string;
  /** The versions of a scenario in versions.json. */
  scenario(name: string): { from: string; to: string };
}

/**
 * The tier, or undefined when the test was skipped because the index cannot be reached. With
 * SYNAPSE_UPGRADE_REAL_PINNED=1 "newest" means versions.json's fallback_newest (a reproducible run).
 */
export async function realTier(t: TestContext): Promise<Tier | undefined> {
  const answer = await indexReleases();
  if (!answer.ok) {
    missingTool(t, `real Synapse tier: ${answer.why}`);
    return undefined;
  }
  const releases = answer.releases;
  const pinned = process.env.SYNAPSE_UPGRADE_REAL_PINNED === '1';
  const resolve = (word: string) =>
    pinned && word === 'newest'
      ? VERSIONS.fallback_newest
      : resolveVersion(word, pinned ? releases.filter((v) => semver.lte(v, VERSIONS.fallback_newest)) : releases);
  return {
    releases,
    newest: resolve('newest'),
    resolve,
    scenario(name) {
      const s = VERSIONS.scenarios[name];
      if (!s) throw new Error(`versions.json has no scenario "${name}"`);
      return { from: resolve(s.from), to: resolve(s.to) };
    },
  };
}

/** The wizard's environment: the machine's (pip config untouched), pip's cache in the tier's, its own state folder. */
export function realWizardEnv(stateDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...pipEnv(), SYNAPSE_UPGRADE_STATE_DIR: stateDir, ...extra };
}

export const stateDirOf = (root: string) => join(root, 'state');
