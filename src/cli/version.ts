import { createRequire } from 'node:module';

/** The package version, read once from package.json next to the build. */
function readVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    for (const candidate of ['../../package.json', '../package.json']) {
      try {
        return (require(candidate) as { version: string }).version;
      } catch {
        // try the next layout (src/cli under tsx, dist/cli after a build)
      }
    }
  } catch {
    // fall through
  }
  return '0.0.0';
}

export const VERSION: string = typeof __SYNAPSE_UPGRADE_VERSION__ === 'string' ? __SYNAPSE_UPGRADE_VERSION__ : readVersion();

declare const __SYNAPSE_UPGRADE_VERSION__: string | undefined;
