import { pipMethod } from './pip.js';
import type { Install, InstallMethod } from './types.js';

/** Every install method the wizard knows, by name. To add one: write src/methods/<name>.ts and list it here. */
const METHODS: Readonly<Record<Install['method'], InstallMethod>> = {
  pip: pipMethod,
};

export function methodFor(install: Install): InstallMethod {
  return METHODS[install.method];
}
