// `node --import tsx test/helpers/backup-into.ts PYTHON DB DIR`: the wizard's backup step function,
// run on its own (for a filesystem that fills up during the backup). Prints one JSON line.
import { existsSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { takeBackup } from '../../src/engine/steps/backup.js';
import { createRunner } from '../../src/system/runner.js';
import { openTranscript } from '../../src/system/transcript.js';

const [python, db, dir, transcriptPath] = process.argv.slice(2) as [string, string, string, string];
const transcript = openTranscript(transcriptPath);
// The session folder (job records, for runners that keep them) lives beside the transcript, not on the full filesystem.
const options = { dryRun: false, transcript, emit: () => {}, sessionDir: dirname(transcriptPath) };
try {
  const record = await takeBackup({
    runner: createRunner(options),
    python,
    info: { engine: 'sqlite3', ro: undefined as never, sqlitePath: db, where: db },
    dir,
    version: '1.46.0',
    emit: () => {},
  });
  console.log(JSON.stringify({ ok: true, record }));
} catch (error) {
  console.log(
    JSON.stringify({
      ok: false,
      message: (error as Error).message,
      serverState: (error as { serverState?: string }).serverState,
      left: existsSync(dir) ? readdirSync(dir) : [],
    }),
  );
}
await transcript.close();
