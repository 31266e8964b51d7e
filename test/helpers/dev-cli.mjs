#!/usr/bin/env node
// The CLI from the tsc output (dist/cli/main.js), as bin/ runs it when there is no bundle. Tests that use a test
// hook (SYNAPSE_UPGRADE_TEST_KILL_AT) run this: the single file (dist/synapse-upgrade.mjs, which bin/ prefers)
// is built without any test hook.
process.env.NODE_ENV ??= 'production';
const { main } = await import('../../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
