import { AdminError, ExitCode } from './errors.js';
import { compareVersions, sameVersion, nearestVersions, parseVersion, sortNewestFirst } from './version.js';

export type TargetDecision = { kind: 'upgrade'; target: string } | { kind: 'already-current'; target: string } | { kind: 'restart-only'; target: string };

/**
 * Decides what `--target` means against what is available and installed. Pure.
 * `available` is newest first.
 */
export function resolveTarget(wanted: string, available: readonly string[], installed: string, running: string | undefined): TargetDecision {
  let target: string;
  if (wanted === 'latest') {
    const newest = available.find((v) => !parseVersion(v)?.prerelease) ?? available[0];
    if (!newest) throw new AdminError('No Synapse versions are available to upgrade to.', { exitCode: ExitCode.usage });
    target = newest;
  } else {
    const parsed = parseVersion(wanted);
    if (!parsed) throw new AdminError(`--target ${wanted} is not a Synapse version (expected e.g. 1.47.0 or latest).`, { exitCode: ExitCode.usage });
    target = parsed.text;
    if (!available.includes(target) && !sameVersion(target, installed)) {
      const near = nearestUpgrades(target, available, installed);
      throw new AdminError(
        `Synapse ${target} is not available${near.length ? `; the nearest available versions are ${near.join(', ')}` : `, and nothing newer than the installed ${installed} is`}.`,
        {
          exitCode: ExitCode.usage,
          serverState: 'nothing was changed',
          nextStep: 'Pick one of the available versions with --target.',
        },
      );
    }
  }
  const order = compareVersions(target, installed);
  if (order < 0) {
    throw new AdminError(`${target} is older than the installed ${installed}: that is a downgrade, not an upgrade.`, {
      exitCode: ExitCode.usage,
      serverState: 'nothing was changed',
      nextStep: 'To go back to an older version use `synapse-upgrade rollback`.',
    });
  }
  if (order === 0) {
    return running !== undefined && !sameVersion(running, target) ? { kind: 'restart-only', target } : { kind: 'already-current', target };
  }
  return { kind: 'upgrade', target };
}

/** The versions worth offering: newer than installed, newest first, pre-releases only when asked. */
export function upgradeChoices(available: readonly string[], installed: string, pre: boolean, limit = 12): string[] {
  return available.filter((v) => compareVersions(v, installed) > 0 && (pre || !parseVersion(v)?.prerelease)).slice(0, limit);
}

/**
 * What to suggest for a version that is not available: only upgrades (newer than installed; pre-releases only
 * when the wanted one is one), nearest first; for a version beyond every release, the newest ones.
 */
export function nearestUpgrades(wanted: string, available: readonly string[], installed: string, count = 3): string[] {
  const pre = Boolean(parseVersion(wanted)?.prerelease);
  const newer = sortNewestFirst(available.filter((v) => compareVersions(v, installed) > 0 && (pre || !parseVersion(v)?.prerelease)));
  if (newer[0] !== undefined && compareVersions(wanted, newer[0]) > 0) return newer.slice(0, count);
  return nearestVersions(wanted, newer, count);
}
