import { debianMethod } from './debian.js';
import { dockerMethod } from './docker.js';
import { gitMethod } from './git.js';
import { pipMethod } from './pip.js';
import type { HostView, Install, InstallMethod, MethodName } from './types.js';

/** Every install method the wizard knows, by name. To add one: write src/methods/<name>.ts and list it here. */
const METHODS: { readonly [Name in MethodName]: InstallMethod } = {
  pip: pipMethod,
  git: gitMethod,
  debian: debianMethod,
  docker: dockerMethod,
};

/** The methods' names, as `--method` takes them. */
export const METHOD_NAMES = Object.keys(METHODS) as readonly MethodName[];

export function methodFor(install: Install): InstallMethod {
  return METHODS[install.method];
}

/** How this host sees the install's URLs and paths: the method's own view, else the config's values as they are. */
export function hostViewOf(install: Install): HostView {
  return methodFor(install).hostView?.(install) ?? { url: (url) => url, path: (path) => path, databaseValues: (values) => values, python: install.python };
}
