/**
 * Test-only fault injection: with SYNAPSE_UPGRADE_TEST_KILL_AT=<point>[,<point>…] the process kills itself with
 * SIGKILL when it reaches that point, to prove that a kill at any step boundary leaves a session that resumes.
 * Points: `<step>:<status>` right after the journal recorded that step status (e.g. `install:running`,
 * `install:done`), and `<step>:spawned` right after a step's command was launched. Unset, it does nothing.
 */
export function faultPoint(point: string): void {
  const wanted = process.env.SYNAPSE_UPGRADE_TEST_KILL_AT;
  if (wanted && wanted.split(',').includes(point)) process.kill(process.pid, 'SIGKILL');
}
