// A real homeserver split into the main process and one generic_worker, laid out as Synapse's docs do
// (docs/workers.md, docs/synctl_workers.md): the main process gets an HTTP replication listener, Redis and an
// instance_map naming it; workers/ holds the worker's config (worker_app, worker_name, worker_listeners,
// worker_log_config, worker_pid_file) and main.yaml with `worker_app: synapse.app.homeserver`, so that
// `synctl -a workers start` starts the main process too.
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface WorkerLayout {
  name: string;
  /** The worker's client listener. */
  port: number;
  replicationPort: number;
  redisPort: number;
}

/** homeserver.yaml with the replication listener, redis and instance_map of docs/workers.md. */
export function useWorkers(yaml: string, layout: WorkerLayout): string {
  const replication = [
    '  - port: ' + layout.replicationPort,
    "    bind_addresses: ['127.0.0.1']",
    '    type: http',
    '    resources:',
    '      - names: [replication]',
    '',
  ].join('\n');
  const withListener = yaml.replace(/^listeners:\n/m, `listeners:\n${replication}`);
  if (withListener === yaml) throw new Error('the generated homeserver.yaml has no listeners: section');
  return `${withListener.trimEnd()}\n\nredis:\n  enabled: true\n  host: 127.0.0.1\n  port: ${layout.redisPort}\n\ninstance_map:\n  main:\n    host: 127.0.0.1\n    port: ${layout.replicationPort}\n`;
}

/** workers/<name>.yaml and workers/main.yaml, the worker's log config beside the main one's. Returns workers/. */
export async function writeWorkerFiles(dir: string, serverName: string, layout: WorkerLayout): Promise<string> {
  const workers = join(dir, 'workers');
  await mkdir(workers);
  const mainLog = await readFile(join(dir, `${serverName}.log.config`), 'utf8');
  const logConfig = join(dir, `${layout.name}.log.config`);
  await writeFile(logConfig, mainLog.replace(join(dir, 'homeserver.log'), join(dir, `${layout.name}.log`)));
  await writeFile(
    join(workers, `${layout.name}.yaml`),
    [
      'worker_app: synapse.app.generic_worker',
      `worker_name: ${layout.name}`,
      '',
      'worker_listeners:',
      '  - type: http',
      `    port: ${layout.port}`,
      "    bind_addresses: ['127.0.0.1']",
      '    resources:',
      '      - names: [client, federation]',
      '',
      `worker_log_config: ${logConfig}`,
      `worker_pid_file: ${join(dir, `${layout.name}.pid`)}`,
      '',
    ].join('\n'),
  );
  await writeFile(join(workers, 'main.yaml'), 'worker_app: synapse.app.homeserver\n');
  return workers;
}
