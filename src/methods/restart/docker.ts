import type { CommandSpec } from '../../system/command.js';
import type { ComposeInfo, DockerInstall } from '../types.js';

/** `docker compose -p PROJECT -f FILE… SUBCOMMAND` (`docker-compose` for a project made by compose 1.x), run in the project's folder. */
export function composeCommand(compose: ComposeInfo, args: string[], title: string): CommandSpec {
  const tool = compose.v1 ? ['docker-compose'] : ['docker', 'compose'];
  return {
    argv: [...tool, '-p', compose.project, ...compose.files.flatMap((f) => ['-f', f]), ...args],
    ...(compose.workingDir ? { cwd: compose.workingDir } : {}),
    title,
  };
}

/** The name the previous container keeps after a recreate (stopped, for a rollback). */
export const previousName = (install: Pick<DockerInstall, 'container' | 'installedVersion'>, version = install.installedVersion): string =>
  `${install.container}-synapse-${version}`;

/**
 * Switch the container to the new image the way it was created: compose recreates its service;
 * a plain container is stopped, renamed aside (kept for a rollback) and run again with the same arguments.
 */
export function dockerRecreate(install: DockerInstall, newImage: string, from = install.installedVersion): CommandSpec[] {
  if (install.compose) {
    return [
      composeCommand(
        install.compose,
        ['up', '-d', '--no-deps', install.compose.service],
        `Recreate the compose service ${install.compose.service} with ${newImage}`,
      ),
    ];
  }
  const run: CommandSpec = {
    argv: ['docker', 'run', '-d', '--name', install.container, ...install.runArgs, newImage, ...install.runCommand],
    title: `Recreate ${install.container} from ${newImage} with the same settings`,
  };
  // Stopped and renamed aside already (an upgrade stopped before the run): only the new container is missing.
  if (install.setAside) return [run];
  return [
    { argv: ['docker', 'stop', install.container], title: `Stop the container ${install.container}` },
    // Named after the version the session started from: a resumed session (its container maybe recreated already)
    // gives the very commands the interrupted one recorded, so their recorded results are taken, never run twice.
    {
      argv: ['docker', 'rename', install.container, previousName(install, from)],
      title: `Keep the old container as ${previousName(install, from)} (for a rollback)`,
    },
    run,
  ];
}

export function dockerRollback(install: DockerInstall, kept = previousName(install)): string[] {
  if (install.compose) return [];
  return [`docker rm -f ${install.container}`, `docker rename ${kept} ${install.container}`, `docker start ${install.container}`];
}
