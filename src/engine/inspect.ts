import { AdminError, ExitCode } from '../core/errors.js';
import type { InstallSummary } from '../core/events.js';
import { loadHomeserverConfig, type HomeserverConfig } from '../config/homeserver-config.js';
import { clientListenerUrl } from '../config/listener.js';
import { homeserverLogFile } from '../config/log-file.js';
import { detectPipInstall, type DetectInputs } from '../methods/pip-detect.js';
import type { Install } from '../methods/types.js';
import { probeServerVersion, type VersionProbe } from '../system/http.js';

/** Everything the wizard knows about the server before it changes anything. */
export interface ServerPicture {
  install: Install;
  config: HomeserverConfig;
  serverName: string | undefined;
  url: string;
  urlEvidence: string;
  running: VersionProbe;
  logFile: string | undefined;
  pidFile: string | undefined;
}

export interface InspectOptions extends DetectInputs {
  url?: string;
}

export async function inspectServer(opts: InspectOptions): Promise<ServerPicture> {
  const install = await detectPipInstall(opts);
  if (!install.configPaths.length) {
    throw new AdminError(`Found Synapse ${install.installedVersion} in ${install.venv}, but no homeserver.yaml.`, {
      exitCode: ExitCode.usage,
      nextStep: 'Pass --config PATH to the homeserver.yaml this install uses.',
    });
  }
  const config = await loadHomeserverConfig(install.configPaths);
  let url = opts.url;
  let urlEvidence = '--url';
  if (!url) {
    const listener = clientListenerUrl(config);
    if (!listener) {
      throw new AdminError(`No http listener with the \`client\` resource in ${install.configPaths.join(', ')}, so the wizard cannot ask Synapse its version.`, {
        exitCode: ExitCode.usage,
        nextStep: 'Pass --url with the base URL of a listener that serves the client API (e.g. --url http://127.0.0.1:8008).',
      });
    }
    url = listener.url;
    urlEvidence = `listener at ${listener.file}${listener.line ? `:${listener.line}` : ''}`;
  }
  const running = await probeServerVersion(url);
  const pidFile = config.get('pid_file');
  const serverName = config.get('server_name');
  return {
    install,
    config,
    serverName: typeof serverName === 'string' ? serverName : undefined,
    url,
    urlEvidence,
    running,
    logFile: await homeserverLogFile(config),
    pidFile: typeof pidFile === 'string' ? pidFile : undefined,
  };
}

export function summarize(picture: ServerPicture): InstallSummary {
  return {
    method: picture.install.method,
    ...(picture.serverName ? { serverName: picture.serverName } : {}),
    evidence: picture.install.evidence,
    installedVersion: picture.install.installedVersion,
    runningVersion: picture.running.ok ? picture.running.answer.version : undefined,
    configPaths: picture.install.configPaths,
    url: picture.url,
    venv: picture.install.venv,
  };
}
