// Entry of the single-file bundle (scripts/bundle.mjs → dist/synapse-upgrade.mjs): hands the
// embedded steps/ and stand-in sources to the loaders, then runs the CLI like bin/ does.
import files from 'synapse-upgrade:embedded';
import { setEmbeddedFiles } from '../src/system/embedded.js';

setEmbeddedFiles(files);
const { main } = await import('../src/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
