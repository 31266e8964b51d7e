import { resolve } from 'node:path';
import { compareVersions, sameVersion } from '../core/version.js';
import type { DockerInstall } from './types.js';

/**
 * The containers an upgrade renames: `docker stop NAME`, `docker rename NAME NAME-synapse-<old>`, then
 * `docker run --name NAME` from the new image. The renamed one is kept (stopped) for a rollback. When the
 * wizard was stopped between the rename and the run, NAME is missing and the renamed container is the
 * admin's homeserver, set aside: it is detected under NAME, and the upgrade creates NAME again.
 */
export type AsideRole =
  /** Kept by an earlier upgrade (or set aside by a rollback) next to the container of its name: not a homeserver of its own. */
  | { kind: 'kept'; container: string }
  /** The only trace of NAME (missing): its homeserver, stopped between the rename and the new container. */
  | { kind: 'set-aside'; container: string };

/** `NAME-synapse-1.46.0` → NAME and 1.46.0, when the name has the shape the upgrade gives. */
export function asideName(name: string): { container: string; version: string } | undefined {
  const m = /^(.+)-synapse-(\d+\.\d+\.\d+(?:rc\d+)?)$/.exec(name);
  if (!m?.[1] || !m[2]) return undefined;
  return { container: m[1], version: m[2] };
}

export interface AsideCandidate {
  name: string;
  running: boolean;
  /** The Synapse version the container's image holds. */
  version: string | undefined;
}

/**
 * Which of these containers are upgrade leftovers, by name: a stopped `NAME-synapse-<v>` whose image holds v.
 * With NAME present it is kept for a rollback; with NAME missing, the newest of them is NAME set aside (the
 * older ones were kept by earlier upgrades). `names` is every container the engine has.
 */
export function asideRoles(candidates: readonly AsideCandidate[], names: ReadonlySet<string>): Map<string, AsideRole> {
  const roles = new Map<string, AsideRole>();
  const newest = new Map<string, AsideCandidate>();
  const shaped = candidates.flatMap((c) => {
    const shape = asideName(c.name);
    return shape && !c.running && c.version && sameVersion(c.version, shape.version) ? [{ c, container: shape.container }] : [];
  });
  for (const { c, container } of shaped) {
    if (names.has(container)) roles.set(c.name, { kind: 'kept', container });
    else if (compareVersions(c.version!, newest.get(container)?.version ?? '0.0.0') > 0) newest.set(container, c);
  }
  for (const { c, container } of shaped) {
    if (roles.has(c.name)) continue;
    roles.set(c.name, { kind: newest.get(container) === c ? 'set-aside' : 'kept', container });
  }
  // A rollback sets the container it replaces aside as NAME-failed-<time>: never the homeserver while NAME (or NAME set aside) is there.
  for (const c of candidates) {
    const failed = /^(.+)-failed-\d{14}$/.exec(c.name)?.[1];
    if (failed && !c.running && (names.has(failed) || newest.has(failed))) roles.set(c.name, { kind: 'kept', container: failed });
  }
  return roles;
}

/**
 * `--config` (or an unfinished session's journal) names the homeserver: among several containers, those whose
 * config is that file through their mounts. When none maps to it (a config read elsewhere), all are kept.
 */
export function forConfig(
  found: DockerInstall[],
  configPaths: readonly string[] | undefined,
  looked: string[],
  configOnHost: (d: DockerInstall) => string | undefined,
): DockerInstall[] {
  const wanted = configPaths?.[0] ? resolve(configPaths[0]) : undefined;
  if (!wanted) return found;
  const onHost = (d: DockerInstall): string | undefined => {
    const path = configOnHost(d);
    return path ? resolve(path) : undefined;
  };
  const matching = found.filter((d) => onHost(d) === wanted);
  if (!matching.length) return found;
  for (const d of found) if (!matching.includes(d)) looked.push(`container ${d.container} (its config is not ${wanted})`);
  return matching;
}

/**
 * Upgrade leftovers by name (docker-aside.ts): a container kept for a rollback next to its successor is no
 * homeserver of its own; one set aside with no container under its name is that homeserver, under that name.
 */
export function withAsideRoles(found: DockerInstall[], names: ReadonlySet<string>, looked: string[]): DockerInstall[] {
  const roles = asideRoles(
    found.map((d) => ({ name: d.container, running: d.confidence === 'high', version: d.installedVersion })),
    names,
  );
  return found.flatMap((d) => {
    const role = roles.get(d.container);
    if (!role) return [d];
    if (role.kind === 'kept') {
      looked.push(`container ${d.container} (kept, stopped, by an upgrade of ${role.container}, for a rollback)`);
      return [];
    }
    const aside = d.container;
    d.evidence.unshift(
      `no container is named ${role.container}: an upgrade stopped after setting it aside, stopped, as ${aside} and before creating the new one (bring it back as it was with: docker rename ${aside} ${role.container} && docker start ${role.container})`,
    );
    return [{ ...d, container: role.container, setAside: aside, restart: { kind: 'docker', container: role.container, compose: Boolean(d.compose) } }];
  });
}
