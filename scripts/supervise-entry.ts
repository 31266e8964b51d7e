// Entry of dist/app/supervise.mjs (scripts/bundle.mjs): the supervisor of one mutating command, on its own, so its
// Node start compiles only what it runs. Started by the runner as `supervise.mjs __supervise JOB_DIR` or
// `supervise.mjs __supervise-next` (the job then comes on stdin), as the single file's `__supervise` commands are.
import { supervise } from '../src/system/supervisor.js';

const [command, job] = process.argv.slice(2);
if (command === '__supervise' && job) process.exitCode = await supervise(job);
else if (command === '__supervise-next' && job === undefined) process.exitCode = await supervise('-');
else {
  process.stderr.write('supervise.mjs: started by synapse-upgrade for each command it runs; not a command of its own\n');
  process.exitCode = 2;
}
