import { debianMethod } from './debian.js';
import { defaultDescription } from './describe.js';
import { dockerMethod } from './docker.js';
import { gitMethod } from './git.js';
import { METHOD_NAMES } from './names.js';
import { pipMethod } from './pip.js';
import type { HostView, Install, InstallDescription, InstallMethod, MethodName, RunAs } from './types.js';

/** Every install method the wizard knows, by name. To add one: write src/methods/<name>.ts and list it here. */
const METHODS: { readonly [Name in MethodName]: InstallMethod } = {
  pip: pipMethod,
  git: gitMethod,
  debian: debianMethod,
  docker: dockerMethod,
};

// names.ts (the command line's list) names every method of METHODS and nothing else: a compile error otherwise.
type Listed = (typeof METHOD_NAMES)[number];
const namesAgree: [Exclude<MethodName, Listed>, Exclude<Listed, MethodName>] extends [never, never] ? true : never = true;
void namesAgree;

export function methodFor(install: Install): InstallMethod {
  return METHODS[install.method];
}

/** How this host sees the install's URLs and paths: the method's own view, else the config's values as they are. */
export function hostViewOf(install: Install): HostView {
  return methodFor(install).hostView?.(install) ?? { url: (url) => url, path: (path) => path, databaseValues: (values) => values, python: install.python };
}

/**
 * How the install is named to the admin (label, location) and to scripts (detect --json's fields). `method`: the
 * session's own method object, if any; what it does not say, the registry's entry for the method's name does.
 */
export function describeInstall(install: Install, method?: InstallMethod): InstallDescription {
  return (method?.describe ?? METHODS[install.method]?.describe)?.(install) ?? defaultDescription(install);
}

/** Who must run the upgrade: the method's word, else the owner of the install's virtualenv when it has one. */
export function runAsOf(install: Install, method?: InstallMethod): RunAs | undefined {
  const runAs = method?.runAs ?? METHODS[install.method]?.runAs;
  return runAs ? runAs(install) : install.venv ? { ownerOf: install.venv } : undefined;
}
