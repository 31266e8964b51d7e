import type { Install, InstallDescription } from './types.js';

/** `, config X`: several homeservers can share one virtualenv and differ by their config only. */
export const withConfig = (install: Install): string => (install.configPaths[0] ? `, config ${install.configPaths[0]}` : '');

/** How a method that does not describe itself is named: by its config (where it says where it lives). */
export const defaultDescription = (install: Install): InstallDescription => ({
  label: `${install.method} install${install.venv ? ` in ${install.venv}` : ''}${withConfig(install)}`,
  location: install.configPaths[0] ?? install.method,
  fields: { venv: install.venv ?? null },
});
