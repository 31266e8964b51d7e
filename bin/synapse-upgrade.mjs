#!/usr/bin/env node
// Thin entry. The single-file bundle (dist/synapse-upgrade.mjs, made by `npm run build`) starts about twice as
// fast and carries steps/ inside; the tsc output (dist/cli/main.js) is the fallback. In a source checkout the
// tsc output also wins when it is newer than the bundle (a `tsc` run without the bundle step).
import { statSync } from 'node:fs';

const mtime = (rel) => statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
const bundle = mtime('../dist/synapse-upgrade.mjs');
const checkout = mtime('../src/cli/main.ts') !== undefined;
if (bundle !== undefined && !(checkout && (mtime('../dist/cli/main.js') ?? 0) > bundle)) {
  await import('../dist/synapse-upgrade.mjs'); // runs the CLI and sets process.exitCode
} else {
  // Production React before anything heavy loads, then the real CLI.
  process.env.NODE_ENV ??= 'production';
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(process.argv.slice(2));
}
