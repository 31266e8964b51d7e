#!/usr/bin/env node
// Thin entry. The bundle split into chunks (dist/app/, made by `npm run build`) compiles only what a command
// runs and carries steps/ inside; the single file (dist/synapse-upgrade.mjs) is the same CLI in one file; the tsc
// output (dist/cli/main.js) is the fallback. In a source checkout the tsc output also wins when it is newer than
// the bundles (a `tsc` run without the bundle step).
import { statSync } from 'node:fs';

const mtime = (rel) => statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
const checkout = mtime('../src/cli/main.ts') !== undefined;
const current = (rel) => {
  const bundle = mtime(rel);
  return bundle !== undefined && !(checkout && (mtime('../dist/cli/main.js') ?? 0) > bundle);
};
if (current('../dist/app/synapse-upgrade.mjs')) {
  await import('../dist/app/synapse-upgrade.mjs'); // runs the CLI and sets process.exitCode
} else if (current('../dist/synapse-upgrade.mjs')) {
  await import('../dist/synapse-upgrade.mjs');
} else {
  // Production React before anything heavy loads, then the real CLI.
  process.env.NODE_ENV ??= 'production';
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(process.argv.slice(2));
}
