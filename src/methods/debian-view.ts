import type { DebianInstall, Install, InstallMethod } from './types.js';

const asDebian = (install: Install): DebianInstall => {
  if (install.method !== 'debian') throw new Error(`debian method used for a ${install.method} install`);
  return install;
};

/** How a Debian install is named, and who runs its upgrade: root, as dpkg and apt need. */
export const debianViewMembers: Pick<InstallMethod, 'describe' | 'runAs'> = {
  describe(install) {
    const d = asDebian(install);
    return {
      label: `Debian package ${d.package} ${d.packageVersion}`,
      location: `${d.package} ${d.packageVersion} (${d.venv})`,
      fields: { venv: d.venv, package: d.package, packageVersion: d.packageVersion },
    };
  },

  runAs: () => ({ root: { tools: 'dpkg/apt', action: 'installing a .deb' } }),
};
