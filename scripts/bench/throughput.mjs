// Hidden harness of scripts/bench.mjs (throughput): one command flooding output through the wizard's command
// runner and the live Ink screen, exactly as the install step would. Run it on a terminal (bench.mjs uses a pty).
// bench.mjs bundles it as the single file is bundled (the same Ink, React in production mode) into
// dist/bench/throughput.mjs; the supervisor it starts is dist/app/supervise.mjs, as the CLI's.
// Usage: node dist/bench/throughput.mjs RESULT.json PROGRAM [ARG...]
// RESULT.json gets {wall_ms, peak_rss_mb, transcript_lines, exit_code}: wall time from starting the command to the
// screen torn down with everything drawn and the transcript on disk; transcript_lines counts the output lines in it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { render } from 'ink';
import { createElement } from 'react';
import { createRunner } from '../../src/system/runner.ts';
import { openTranscript } from '../../src/system/transcript.ts';
import { EventBus } from '../../src/ui/event-bus.ts';
import { App } from '../../src/ui/ink/App.tsx';

const [resultFile, ...argv] = process.argv.slice(2);
if (!resultFile || argv.length === 0) {
  console.error('usage: throughput.mjs RESULT.json PROGRAM [ARG...]');
  process.exit(2);
}

const sessionDir = await mkdtemp(path.join(os.tmpdir(), 'synapse-upgrade-bench-'));
try {
  const transcript = openTranscript(path.join(sessionDir, 'transcript.log'));
  const bus = new EventBus(true);
  const app = render(createElement(App, { subscribe: (listener) => bus.subscribe(listener), onAnswer: () => {}, onQuit: () => {}, color: true }), {
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const runner = createRunner({ dryRun: false, transcript, emit: bus.emit, sessionDir, outputEvents: 'read' }); // as the wizard's
  bus.emit({ type: 'step.started', step: 'install', title: 'Install the new version' });
  const started = performance.now();
  const result = await runner.run({ argv, title: 'output flood' });
  bus.emit({ type: 'step.finished', step: 'install', status: 'done', summary: `exit ${result.exitCode}` });
  // The step's end flushes the screen's queue at once (a microtask); unmounting draws Ink's last frame itself.
  await new Promise((resolve) => setImmediate(resolve));
  app.unmount();
  await app.waitUntilExit();
  await transcript.close();
  const wallMs = performance.now() - started;
  const peakRssMb = process.resourceUsage().maxRSS / 1024; // before the check below reads the whole transcript
  const text = await readFile(transcript.path, 'utf8');
  let lines = 0;
  for (let at = text.indexOf('\n  | '); at !== -1; at = text.indexOf('\n  | ', at + 1)) lines++;
  await writeFile(resultFile, JSON.stringify({ wall_ms: wallMs, peak_rss_mb: peakRssMb, transcript_lines: lines, exit_code: result.exitCode }));
} finally {
  await rm(sessionDir, { recursive: true, force: true });
}
