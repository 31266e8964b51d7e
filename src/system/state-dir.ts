import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** --state-dir, else $SYNAPSE_UPGRADE_STATE_DIR, else the XDG state folder. */
export function resolveStateRoot(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.SYNAPSE_UPGRADE_STATE_DIR) return resolve(env.SYNAPSE_UPGRADE_STATE_DIR);
  const xdg = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(xdg, 'synapse-upgrade');
}

/** One folder per homeserver: its server name plus a short hash of its main config path. */
export function homeserverKey(serverName: string | undefined, configPath: string): string {
  const hash = createHash('sha256').update(resolve(configPath)).digest('hex').slice(0, 8);
  const name = (serverName ?? 'homeserver').replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 60);
  return `${name}-${hash}`;
}
