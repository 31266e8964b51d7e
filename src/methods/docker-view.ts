import { containerRunning, helperPython, hostDatabaseValues, visiblePath, visibleUrl } from './docker-detect.js';
import type { InstallMethod } from './types.js';

/**
 * How the wizard sees a Docker install from this host: listeners through the published ports, paths through
 * the mounts, the process through the container's state; a stopped container is started as it is (only a missing
 * one is created again by the restart command).
 */
export const dockerViewMembers: Pick<InstallMethod, 'hostView' | 'startStoppedCommand'> = {
  hostView(install) {
    const container = install.method === 'docker' ? install.container : undefined;
    return {
      url: (url) => visibleUrl(install, url),
      path: (path) => visiblePath(install, path),
      databaseValues: (values) => hostDatabaseValues(install, values),
      python: helperPython(install),
      ...(container ? { process: { what: `container ${container}`, running: () => containerRunning(container) } } : {}),
    };
  },

  async startStoppedCommand(install) {
    if (install.method !== 'docker' || (await containerRunning(install.container)) !== false) return undefined;
    return { argv: ['docker', 'start', install.container], title: `Start the container ${install.container}` };
  },
};
