// matrix-synapse-py3 .debs holding real Synapse from PyPI wheels, built with Debian's debhelper at compat 10
// by test/fixtures/debian-systemd/build-deb.sh, cached in the test cache under a key hashed from the
// fixture files, the wheelhouse and the listener port (built once: 1 to 4 minutes each on a loaded machine).
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, ensureWheelhouse, lockedBuild } from '../real/helpers/cache.js';

export const DEB_FIXTURES = fileURLToPath(new URL('../fixtures/debian-systemd/', import.meta.url));
const INPUTS = ['build-deb.sh', 'homeserver.yaml', 'log.yaml', 'matrix-synapse.service'];

export const debName = (version: string): string => `matrix-synapse-py3_${version}+bookworm1_amd64.deb`;

/** The cached .deb of `version` (its homeserver.yaml listening on 127.0.0.1:`port`). */
export async function ensureSynapseDeb(version: string, port: number): Promise<string> {
  const wheels = await ensureWheelhouse(version);
  const hash = createHash('sha256');
  for (const name of INPUTS) hash.update(name).update(readFileSync(join(DEB_FIXTURES, name)));
  hash.update(JSON.stringify([version, port, wheels.split('/').at(-1), readdirSync(wheels).sort()]));
  const dir = await lockedBuild(join(cacheRoot(), 'debs', `${version}-${hash.digest('hex').slice(0, 12)}`), async (tmp) => {
    const r = await execa('bash', [join(DEB_FIXTURES, 'build-deb.sh'), tmp, wheels, version, String(port)], {
      reject: false,
      timeout: 20 * 60_000,
      stdin: 'ignore',
    });
    if (r.exitCode !== 0) throw new Error(`building the ${version} package failed (exit ${r.exitCode}, ${r.shortMessage}):\n${String(r.stderr).slice(-2000)}`);
  });
  return join(dir, debName(version));
}
