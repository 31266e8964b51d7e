#!/usr/bin/env node
// Thin entry: production React before anything heavy loads, then the real CLI.
process.env.NODE_ENV ??= 'production';
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
