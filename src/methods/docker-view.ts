import { containerRunning, helperPython, hostDatabaseValues, visiblePath, visibleUrl } from './docker-detect.js';
import type { DockerInstall, Install, InstallMethod } from './types.js';

const asDocker = (install: Install): DockerInstall => {
  if (install.method !== 'docker') throw new Error(`docker method used for a ${install.method} install`);
  return install;
};

/**
 * How the wizard sees a Docker install. From this host: listeners through the published ports, paths through
 * the mounts, the process through the container's state; a stopped container is started as it is (only a missing
 * one is created again by the restart command). In words: its container and image.
 */
export const dockerViewMembers: Pick<InstallMethod, 'hostView' | 'startStoppedCommand' | 'describe'> = {
  describe(install) {
    const d = asDocker(install);
    return {
      label: `Docker container ${d.container} (${d.image})`,
      location: `container ${d.container}`,
      fields: { venv: null, container: d.container, image: d.image, imageRepo: d.imageRepo, compose: d.compose ?? null },
    };
  },

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
