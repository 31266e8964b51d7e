import { inspectServer, type ServerPicture } from '../engine/inspect.js';
import type { CliOptions } from './args.js';
import type { CliIO } from './output.js';

export function detectReport(picture: ServerPicture): Record<string, unknown> {
  const database = picture.config.get('database.name');
  return {
    method: picture.install.method,
    evidence: picture.install.evidence,
    installedVersion: picture.install.installedVersion,
    runningVersion: picture.running.ok ? picture.running.answer.version : null,
    runningProblem: picture.running.ok ? null : picture.running.reason,
    configPaths: picture.install.configPaths,
    url: picture.url,
    urlFrom: picture.urlEvidence,
    database: typeof database === 'string' ? database : 'sqlite3',
    restart: 'synctl',
    workers: [],
    venv: picture.install.venv,
    extras: picture.install.extras,
    python: picture.install.pythonVersion ?? null,
    sqlite: picture.install.sqliteVersion ?? null,
    logFile: picture.logFile ?? null,
  };
}

/** `synapse-upgrade detect`: what is installed, where, and what is running. Read-only. */
export async function runDetect(opts: CliOptions, io: CliIO): Promise<number> {
  const picture = await inspectServer({ venv: opts.venv, configPaths: opts.configPaths, ...(opts.url ? { url: opts.url } : {}) });
  const report = detectReport(picture);
  if (opts.json) {
    io.stdout(JSON.stringify(report, null, 2));
    return 0;
  }
  const lines = [
    `Method:    ${report.method} (virtualenv ${picture.install.venv})`,
    ...picture.install.evidence.map((e) => `           - ${e}`),
    `Installed: ${report.installedVersion}${picture.install.extras.length ? ` with extras [${picture.install.extras.join(', ')}]` : ''}`,
    `Running:   ${picture.running.ok ? `${picture.running.answer.raw}` : `not answering (${picture.running.reason})`}`,
    `URL:       ${picture.url} (from ${picture.urlEvidence})`,
    `Config:    ${picture.install.configPaths.join(', ')}`,
    `Database:  ${String(report.database)}`,
    `Restart:   synctl`,
    `Platform:  Python ${picture.install.pythonVersion ?? '?'}, SQLite ${picture.install.sqliteVersion ?? '?'}`,
    `Log:       ${picture.logFile ?? '(not found in the log config)'}`,
  ];
  io.stdout(lines.join('\n'));
  return 0;
}
