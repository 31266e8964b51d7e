import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listenerTimes, logLineTime, outageFromLog } from '../../src/core/log-times.js';

// Lines as real Synapse 1.161.0 wrote them (listener on port 43161), stopped by synctl and started again.
const LOG = [
  "2026-12-01 03:12:17,263 - synapse.util.httpresourcetree - 55 - INFO - call_when_running - Attaching <…> to path b'/_matrix/media/r0'",
  '2026-12-01 03:12:17,301 - synapse.app._base - 511 - INFO - call_when_running - Synapse now listening on TCP port 43161',
  '2026-12-01 03:14:23,376 - twisted - 273 - INFO - sentinel - Received SIGTERM, shutting down.',
  '2026-12-01 03:14:23,378 - twisted - 273 - INFO - sentinel - (TCP Port 43161 Closed)',
  '2026-12-01 03:14:23,378 - twisted - 273 - INFO - sentinel - (TCP Port 9000 Closed)',
  '2026-12-01 03:14:23,492 - twisted - 273 - ERROR - sentinel -     sys.exit(0)',
  '2026-12-01 03:14:29,015 - synapse.app._base - 511 - INFO - call_when_running - Synapse now listening on TCP port 43161',
  '2026-12-01 03:14:29,402 - synapse.app._base - 778 - INFO - call_when_running - garbage collector: Freezing all allocated objects in the hopes that (almost) everything currently allocated are things that will be used by the homeserver for the rest of time. Doing so means less work each GC (hopefully).',
  'not a log line - Synapse now listening on TCP port 43161',
];

const at = (text: string) => new Date(text).getTime(); // local time, as the log

test('log line times are read as the local time Synapse writes, to the millisecond', () => {
  assert.equal(logLineTime(LOG[3]!), at('2026-12-01T03:14:23.378'));
  assert.equal(logLineTime('2026-12-01 03:14:23 - no milliseconds'), undefined);
  assert.equal(logLineTime(LOG.at(-1)!), undefined);
});

test('the listener of the given port: opened and closed, other ports and undated lines ignored', () => {
  const times = listenerTimes(LOG, 43161);
  assert.deepEqual(times.opened, [at('2026-12-01T03:12:17.301'), at('2026-12-01T03:14:29.015')]);
  assert.deepEqual(times.closed, [at('2026-12-01T03:14:23.378')]);
  assert.deepEqual(times.started, [at('2026-12-01T03:14:29.402')]);
});

test('the unseen part of an outage: closed after the restart began, opened after that and before the wizard saw it answer', () => {
  const times = listenerTimes(LOG, 43161);
  const began = at('2026-12-01T03:14:23.100');
  // It serves once start() is through: the end of start() when logged, else the listener opening.
  assert.deepEqual(outageFromLog(times, began, at('2026-12-01T03:15:00.000')), {
    closedAt: at('2026-12-01T03:14:23.378'),
    openedAt: at('2026-12-01T03:14:29.402'),
  });
  assert.deepEqual(outageFromLog({ ...times, started: [] }, began, at('2026-12-01T03:15:00.000')).openedAt, at('2026-12-01T03:14:29.015'));
  // An opening after the wizard's own answer, or a log from another clock, is not used.
  assert.deepEqual(outageFromLog(times, began, at('2026-12-01T03:14:25.000')), { closedAt: at('2026-12-01T03:14:23.378') });
  assert.deepEqual(outageFromLog(times, at('2026-12-02T00:00:00.000'), at('2026-12-02T00:01:00.000')), {});
});
