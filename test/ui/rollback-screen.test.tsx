import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, test } from 'node:test';
import { render } from 'ink-testing-library';
import type { RollbackPlan } from '../../src/core/rollback-plan.js';
import { UPGRADE_STEP_IDS } from '../../src/core/steps.js';
import type { ServerPicture } from '../../src/engine/inspect.js';
import { runRollback } from '../../src/engine/rollback.js';
import { StepTracker } from '../../src/engine/step-tracker.js';
import type { InstallMethod } from '../../src/methods/types.js';
import type { CommandSpec } from '../../src/system/command.js';
import type { Runner } from '../../src/system/runner.js';
import { EventBus } from '../../src/ui/event-bus.js';
import { App } from '../../src/ui/ink/App.js';

// The Ink screen during a rollback, with the events the engine's own rollback (engine/rollback.ts) emits: the
// commands go to a fake runner, the old version answers over HTTP on loopback.
let server: Server;
let url: string;
before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/_synapse/admin/v1/server_version') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ server_version: '1.46.0' }));
    } else res.writeHead(req.url === '/health' ? 200 : 404).end('OK');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const mounted: { unmount: () => void }[] = [];
afterEach(() => {
  for (const app of mounted.splice(0)) app.unmount();
});

async function frameMatching(app: { lastFrame: () => string | undefined }, pattern: RegExp, timeoutMs = 3000): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && !pattern.test(app.lastFrame() ?? '')) await new Promise((resolve) => setTimeout(resolve, 10));
  return app.lastFrame() ?? '';
}

const command = (argv: string[], title: string): CommandSpec => ({ argv, title });
const fakeMethod: InstallMethod = {
  name: 'pip',
  availableVersions: async () => ['1.46.0', '1.47.0'],
  installedVersion: async () => '1.46.0',
  installCommand: (_install, version) => command(['pip', 'install', `matrix-synapse==${version}`], `Install matrix-synapse ${version}`),
  restartCommand: () => command(['synctl', 'restart', 'homeserver.yaml'], 'Restart Synapse'),
};

function fakeRunner(ran: string[][]): Runner {
  return {
    dryRun: false,
    run: async (spec) => {
      ran.push([...spec.argv]);
      return { exitCode: 0, tail: [], durationMs: 5 } as unknown as Awaited<ReturnType<Runner['run']>>;
    },
    adopt: () => {},
    current: () => undefined,
    stop: () => false,
    detach: () => {},
  };
}

test('a rollback after a failed restart draws its own steps below the upgrade, and each one finishes', async () => {
  const bus = new EventBus(false);
  const app = render(<App subscribe={(l) => bus.subscribe(l)} onAnswer={(id, v) => bus.answer(id, v)} onQuit={() => {}} color={false} flushMs={10} />);
  mounted.push(app);
  const tracker = new StepTracker(bus.emit);
  tracker.announce(UPGRADE_STEP_IDS);
  await tracker.start('restart');
  await tracker.fail('the restart command failed (exit 1)');
  const picture = {
    url,
    logFile: undefined,
    pidFile: undefined,
    config: { values: { database: { name: 'sqlite3', args: { database: 'homeserver.db' } } }, files: [{ path: '/srv/synapse/homeserver.yaml' }] },
    install: {
      method: 'pip',
      venv: '/srv/synapse/env',
      python: '/srv/synapse/env/bin/python',
      configPaths: ['/srv/synapse/homeserver.yaml'],
      installedVersion: '1.47.0',
      workers: [],
      restart: { kind: 'synctl', synctl: '/srv/synapse/env/bin/synctl', config: '/srv/synapse/homeserver.yaml', workersDir: undefined },
    },
  } as unknown as ServerPicture;
  const plan: RollbackPlan = {
    back: '1.46.0',
    current: '1.47.0',
    restore: false,
    procedures: [],
    sql: [],
    configAdvice: [],
    reason: 'the database still suits 1.46.0',
  };
  const ran: string[][] = [];
  const outcome = await runRollback(
    {
      picture,
      method: fakeMethod,
      runner: fakeRunner(ran),
      tracker,
      deps: { emit: bus.emit, ask: (q) => bus.ask(q) },
      yes: true,
      transcriptPath: '/nonexistent/transcript.log',
      back: '1.46.0',
      current: '1.47.0',
      backup: undefined,
    },
    plan,
  );
  assert.deepEqual(ran, [
    ['pip', 'install', 'matrix-synapse==1.46.0'],
    ['synctl', 'restart', 'homeserver.yaml'],
  ]);
  assert.match(outcome.lines.at(-1) ?? '', /Synapse 1\.46\.0 serves again/);
  const frame = await frameMatching(app, /✔ Verify the previous version serves/);
  assert.match(frame, /✘ Restart Synapse/);
  assert.match(frame, /✔ Put the previous version back/);
  assert.match(frame, /✔ Start the previous version/);
  assert.match(frame, /✔ Verify the previous version serves {2}\(server_version says 1\.46\.0; \/health OK\)/);
  // The rollback's steps come after the upgrade's, in the rollback's order; the steps it does not need are not drawn.
  const order = [
    'Restart Synapse',
    'Verify the running version',
    'Put the previous version back',
    'Start the previous version',
    'Verify the previous version serves',
  ].map((t) => frame.indexOf(t));
  assert.ok(
    order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!)),
    frame,
  );
  assert.doesNotMatch(frame, /Restore the database backup|Stop Synapse for the rollback/);
});
