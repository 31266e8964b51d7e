// Temporary folders a test file makes, removed when its process exits (after every test and `after` hook, so
// homeservers still running from the folder have been stopped by then). A failed run leaves nothing in /tmp either.
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made = new Set<string>();
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});

/** A new folder under the system's temp folder (`prefix` + random), removed when this test file's process exits. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}
