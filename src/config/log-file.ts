import { dirname, resolve } from 'node:path';
import { findMatches, type HomeserverConfig } from './homeserver-config.js';
import { readYamlFile } from './yaml-file.js';

/** The homeserver log file, from the `filename` of a handler in the log config named by `log_config`. */
export async function homeserverLogFile(config: HomeserverConfig): Promise<string | undefined> {
  const logConfig = config.get('log_config');
  if (typeof logConfig !== 'string') return undefined;
  const owner = config.fileFor('log_config')?.path ?? config.paths[0] ?? '.';
  const logConfigPath = resolve(dirname(owner), logConfig);
  try {
    const file = await readYamlFile(logConfigPath);
    const filename = findMatches(file.value, ['handlers', '*', 'filename'])[0]?.value;
    return typeof filename === 'string' ? resolve(dirname(logConfigPath), filename) : undefined;
  } catch {
    return undefined;
  }
}
