import { appendFileSync } from 'node:fs';
import { IS_BUNDLE } from './build-flags.js';

/**
 * Test-only fault injection; does nothing unless SYNAPSE_UPGRADE_TEST_KILL_AT is set. The process then kills
 * itself with SIGKILL at a named point, to prove that a kill at any step boundary leaves a session that resumes.
 * Points: `<step>:<status>` right after the journal recorded that status (`install:running`, `install:done`),
 * `<step>:spawned` right after one of the step's commands was launched, `<step>:spawned:<argv0> <argv1>` (e.g.
 * `restart:spawned:docker rename`, only when named: `*` skips it) right after that command was, and `restart-hold:held` once a
 * method's restart hold is in place (before its install commands run).
 *   SYNAPSE_UPGRADE_TEST_KILL_AT=install:running,restart:spawned   kill at the first of these reached
 *   SYNAPSE_UPGRADE_TEST_KILL_AT=*                                 kill at the first point not listed in
 *     SYNAPSE_UPGRADE_TEST_KILL_SKIP (comma-separated), which lets a test walk every boundary run after run
 *   SYNAPSE_UPGRADE_TEST_KILL_TRACE=FILE                            append the point to FILE before the kill
 * The single file that users run has none of it: the bundle folds IS_BUNDLE to true and drops the second branch
 * (the variable names are not even in it; test/scripts/single-file.test.ts checks).
 */
export const faultPoint: (point: string, opts?: { onlyNamed?: boolean }) => void = IS_BUNDLE
  ? () => {}
  : (point, opts = {}) => {
      const wanted = process.env.SYNAPSE_UPGRADE_TEST_KILL_AT;
      if (!wanted) return;
      const hit =
        wanted === '*' ? !opts.onlyNamed && !(process.env.SYNAPSE_UPGRADE_TEST_KILL_SKIP ?? '').split(',').includes(point) : wanted.split(',').includes(point);
      if (!hit) return;
      const trace = process.env.SYNAPSE_UPGRADE_TEST_KILL_TRACE;
      if (trace) appendFileSync(trace, `${point}\n`);
      process.kill(process.pid, 'SIGKILL');
    };
