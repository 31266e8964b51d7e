#!/usr/bin/env node
// Runs PROGRAM with ARGS on this terminal (no shell), then writes how it ended to STATUS_FILE as JSON
// ({"code":0,"signal":null}) and exits with the same code. Used by test/helpers/tmux.ts as the pane's command.
// Usage: node exit-status.mjs STATUS_FILE PROGRAM [ARGS...]
import { spawn } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';

const [statusFile, program, ...args] = process.argv.slice(2);
if (!statusFile || !program) {
  process.stderr.write('usage: exit-status.mjs STATUS_FILE PROGRAM [ARGS...]\n');
  process.exit(2);
}

const write = (status) => {
  writeFileSync(`${statusFile}.tmp`, `${JSON.stringify(status)}\n`);
  renameSync(`${statusFile}.tmp`, statusFile);
};

const child = spawn(program, args, { stdio: 'inherit' });
// The terminal sends Ctrl+C / Ctrl+\ to the whole foreground group: the child gets its own copy.
for (const signal of ['SIGINT', 'SIGQUIT']) process.on(signal, () => {});
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('error', (error) => {
  write({ code: 127, signal: null, error: error.message });
  process.exit(127);
});
child.on('exit', (code, signal) => {
  write({ code, signal });
  process.exit(code ?? 128);
});
