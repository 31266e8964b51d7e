import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A stand-in worker config (generic_worker with a `client` listener on `port`), as docs/workers.md lays them out:
 * `synctl start <homeserver.yaml> -a <dir>` starts it. Used by the tests and the benchmark's workers curve.
 */
export async function writeWorkerConfig(dir: string, name: string, port: number, logDir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const logConfig = join(logDir, `${name}.log.config`);
  await writeFile(
    logConfig,
    `version: 1\nhandlers:\n  file:\n    class: logging.FileHandler\n    filename: ${join(logDir, `${name}.log`)}\nroot:\n  level: INFO\n  handlers: [file]\n`,
  );
  const path = join(dir, `${name}.yaml`);
  await writeFile(
    path,
    [
      'worker_app: synapse.app.generic_worker',
      `worker_name: ${name}`,
      `worker_pid_file: ${join(logDir, `${name}.pid`)}`,
      `worker_log_config: ${logConfig}`,
      'worker_listeners:',
      '  - type: http',
      `    port: ${port}`,
      "    bind_addresses: ['127.0.0.1']",
      '    resources:',
      '      - names: [client]',
      '',
    ].join('\n'),
  );
  return path;
}
