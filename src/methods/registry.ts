import { debianMethod } from './debian.js';
import { dockerMethod } from './docker.js';
import { gitMethod } from './git.js';
import { pipMethod } from './pip.js';
import type { Install, InstallMethod, MethodName } from './types.js';

/** Every install method the wizard knows, by name. To add one: write src/methods/<name>.ts and list it here. */
const METHODS: Readonly<Record<MethodName, InstallMethod>> = {
  pip: pipMethod,
  git: gitMethod,
  debian: debianMethod,
  docker: dockerMethod,
};

export function methodFor(install: Install): InstallMethod {
  return METHODS[install.method];
}
