import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { WizardEvent } from '../../src/core/events.js';
import type { SessionContext } from '../../src/engine/context.js';
import { FLOW } from '../../src/engine/flow.js';
import type { ServerPicture } from '../../src/engine/inspect.js';
import { runFlow } from '../../src/engine/run-flow.js';
import { StepTracker } from '../../src/engine/step-tracker.js';
import { METHOD_NAMES } from '../../src/methods/names.js';
import type { Install, InstallMethod } from '../../src/methods/types.js';
import { createRunner } from '../../src/system/runner.js';
import { openTranscript } from '../../src/system/transcript.js';

// The recipe of docs/ARCHITECTURE.md ("Adding an install method"), checked: a method the engine has never heard of
// (not in the registry, no detection) is upgraded by the engine's own prepare, install, restart, wait and verify
// steps through the InstallMethod interface alone. Its "install" writes the version to a file with a real command
// run by the real runner; its "restart" makes the homeserver on loopback answer what is installed.
test('a new install method needs only the InstallMethod interface: the engine plans, installs, restarts and verifies it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'su-fake-method-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const installed = join(dir, 'installed');
  const serving = join(dir, 'serving');
  await writeFile(installed, '1.46.0');
  await writeFile(serving, '1.46.0');
  const server = createServer((req, res) => {
    if (req.url !== '/_synapse/admin/v1/server_version') return void res.writeHead(req.url === '/health' ? 200 : 404).end('OK');
    void readFile(serving, 'utf8').then((version) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ server_version: version })),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const copy = (from: string, to: string) => ['node', '-e', 'require("fs").copyFileSync(process.argv[1], process.argv[2])', from, to];
  const nixos = {
    name: 'nixos',
    availableVersions: async () => ['1.46.0', '1.47.0'],
    installedVersion: async () => (await readFile(installed, 'utf8')).trim(),
    installCommand: (_install: Install, target: string) => ({
      argv: ['node', '-e', 'require("fs").writeFileSync(process.argv[1], process.argv[2])', installed, target],
      title: `Switch the system to matrix-synapse ${target}`,
    }),
    restartCommand: () => ({ argv: copy(installed, serving), title: 'Restart matrix-synapse.service' }),
  } as unknown as InstallMethod;
  assert.ok(!(METHOD_NAMES as readonly string[]).includes('nixos'), 'the fake method is not one the registry lists');

  const events: WizardEvent[] = [];
  const emit = (event: WizardEvent) => void events.push(event);
  const tracker = new StepTracker(emit);
  const transcript = openTranscript(join(dir, 'transcript.log'));
  t.after(() => transcript.close());
  const install = {
    method: 'nixos',
    installedVersion: '1.46.0',
    configPaths: [join(dir, 'homeserver.yaml')],
    evidence: [],
    confidence: 'high',
    extras: [],
    workers: [],
    venv: undefined,
    python: undefined,
    pythonVersion: undefined,
    sqliteVersion: undefined,
    restart: {
      kind: 'systemd',
      unit: 'matrix-synapse.service',
      mainUnit: 'matrix-synapse.service',
      mainUnitFile: undefined,
      workerUnits: [],
      timeoutStartSec: Infinity,
      restartPolicy: undefined,
      dropInDir: join(dir, 'drop-in'),
    },
  };
  const ctx: SessionContext = {
    opts: { yes: true, dryRun: false, pre: false },
    deps: { emit, ask: async (question) => assert.fail(`no question expected: ${question.text}`) },
    tracker,
    picture: { install, url, logFile: undefined, pidFile: undefined } as unknown as ServerPicture,
    method: nixos,
    runner: createRunner({ dryRun: false, transcript, emit, sessionDir: dir, step: () => tracker.current }),
    sessionDir: dir,
    transcriptPath: transcript.path,
    from: '1.46.0',
    decision: { kind: 'upgrade', target: '1.47.0' },
    summary: [],
  };
  const steps = ['prepare', 'install', 'restart', 'wait', 'verify'];
  await runFlow(
    FLOW.filter((step) => steps.includes(step.id)),
    ctx,
    undefined,
  );

  assert.equal((await readFile(installed, 'utf8')).trim(), '1.47.0');
  const finished = events.flatMap((e) => (e.type === 'step.finished' ? [`${e.step}:${e.status}`] : []));
  assert.deepEqual(
    finished,
    steps.map((id) => `${id}:done`),
  );
  const commands = events.flatMap((e) => (e.type === 'command.started' ? [e.title] : []));
  assert.deepEqual(commands, ['Switch the system to matrix-synapse 1.47.0', 'Restart matrix-synapse.service']);
  assert.match(events.flatMap((e) => (e.type === 'step.finished' && e.step === 'verify' ? [e.summary ?? ''] : [])).join(''), /server_version says 1\.47\.0/);
  assert.ok(ctx.downtimeMs !== undefined && ctx.downtimeMs >= 0);
});
