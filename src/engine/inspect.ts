import { AdminError, ExitCode } from '../core/errors.js';
import type { InstallSummary } from '../core/events.js';
import { loadHomeserverConfig, type HomeserverConfig } from '../config/homeserver-config.js';
import { clientListenerUrl } from '../config/listener.js';
import { homeserverLogFile } from '../config/log-file.js';
import { completeInstall, detectInstall, type DetectOptions } from '../methods/detect.js';
import { describeInstall, hostViewOf } from '../methods/registry.js';
import type { Install, ProcessWatch } from '../methods/types.js';
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
  /** The config's pid file as this host sees it; none when the method watches the process its own way. */
  pidFile: string | undefined;
  /** The method's own word on whether Synapse runs (Docker: the container's state, not a pid file). */
  processWatch?: ProcessWatch;
  /** A workers-only host (`--workers-only`): `url` and `running` are the main process's, on another host. */
  workersOnly?: { mainUrl: string };
  /** Every plausible install found (the chosen one first), and what was looked at. */
  detection?: { candidates: Install[]; ambiguous: boolean; looked: string[] };
}

export interface InspectOptions extends DetectOptions {
  url?: string;
}

export async function inspectServer(opts: InspectOptions): Promise<ServerPicture> {
  const detection = await detectInstall(opts);
  const install = detection.install;
  if (!install.configPaths.length) {
    throw new AdminError(`Found Synapse ${install.installedVersion} (${install.method}: ${describeInstall(install).location}), but no homeserver.yaml.`, {
      exitCode: ExitCode.usage,
      nextStep: 'Pass --config PATH to the homeserver.yaml this install uses.',
    });
  }
  const config = await loadHomeserverConfig(install.configPaths);
  await completeInstall(install, config, { ...(opts.root ? { root: opts.root } : {}), ...(opts.procRoot ? { procRoot: opts.procRoot } : {}) });
  let url = opts.url;
  let urlEvidence = '--url';
  if (!url) {
    const listener = clientListenerUrl(config);
    if (!listener) {
      throw new AdminError(
        `No http listener with the \`client\` resource in ${install.configPaths.join(', ')}, so the wizard cannot ask Synapse its version.`,
        {
          exitCode: ExitCode.usage,
          nextStep: 'Pass --url with the base URL of a listener that serves the client API (e.g. --url http://127.0.0.1:8008).',
        },
      );
    }
    url = hostViewOf(install).url(listener.url);
    urlEvidence = `listener at ${listener.file}${listener.line ? `:${listener.line}` : ''}`;
  }
  const running = await probeServerVersion(url);
  const view = hostViewOf(install);
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
    pidFile: typeof pidFile === 'string' && !view.process ? view.path(pidFile) : undefined,
    ...(view.process ? { processWatch: view.process } : {}),
    detection: { candidates: detection.candidates, ambiguous: detection.ambiguous, looked: detection.looked },
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
    ...(picture.workersOnly ? { workersOnly: picture.workersOnly } : {}),
  };
}
