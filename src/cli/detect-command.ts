import { exactJson } from '../core/screen-text.js';
import { managerFields, managerLabel } from '../methods/restart/index.js';
import { describeInstall } from '../methods/registry.js';
import { inspectServer, type ServerPicture } from '../engine/inspect.js';
import { databaseEngineOf } from '../system/note-facts.js';
import type { CliOptions } from './args.js';
import type { CliIO } from './output.js';

export function detectReport(picture: ServerPicture): Record<string, unknown> {
  const install = picture.install;
  const others = picture.detection?.candidates.slice(1) ?? [];
  return {
    method: install.method,
    confidence: install.confidence,
    evidence: install.evidence,
    ambiguous: picture.detection?.ambiguous ?? false,
    candidates: others.map((c) => ({
      method: c.method,
      confidence: c.confidence,
      what: describeInstall(c).label,
      configPaths: c.configPaths,
      venv: c.venv ?? null,
      evidence: c.evidence,
    })),
    installedVersion: install.installedVersion,
    runningVersion: picture.running.ok ? picture.running.answer.version : null,
    runningProblem: picture.running.ok ? null : picture.running.reason,
    configPaths: install.configPaths,
    url: picture.url,
    urlFrom: picture.urlEvidence,
    database: databaseEngineOf(picture.config) ?? 'sqlite3',
    restart: install.restart.kind,
    restartDetails: managerFields(install),
    workers: install.workers.map((w) => ({
      name: w.name,
      app: w.app ?? null,
      config: w.configPath ?? null,
      unit: w.unit ?? null,
      url: w.url ?? null,
      from: w.from,
    })),
    ...describeInstall(install).fields,
    extras: install.extras,
    python: install.pythonVersion ?? null,
    sqlite: install.sqliteVersion ?? null,
    logFile: picture.logFile ?? null,
  };
}

/** `synapse-upgrade detect`: what is installed, where, and what is running. Read-only. */
export async function runDetect(opts: CliOptions, io: CliIO): Promise<number> {
  const picture = await inspectServer({
    venv: opts.venv,
    configPaths: opts.configPaths,
    ...(opts.method ? { method: opts.method } : {}),
    ...(opts.container ? { container: opts.container } : {}),
    ...(opts.url ? { url: opts.url } : {}),
  });
  const report = detectReport(picture);
  if (opts.json) {
    io.stdout(exactJson(report, 2));
    return 0;
  }
  const install = picture.install;
  const others = picture.detection?.candidates.slice(1) ?? [];
  const lines = [
    `Method:    ${install.method}, ${install.confidence} confidence (${describeInstall(install).location})`,
    ...install.evidence.map((e) => `           - ${e}`),
    ...(others.length
      ? [
          `${picture.detection?.ambiguous ? 'Also as plausible (the wizard asks; --config, --venv, --url or --method chooses)' : 'Also found'}:`,
          ...others.flatMap((c) => [
            `           - ${c.method}: ${describeInstall(c).label} (${c.confidence})`,
            ...c.evidence.map((e) => `               ${e}`),
          ]),
        ]
      : []),
    `Installed: ${report.installedVersion}${install.extras.length ? ` with extras [${install.extras.join(', ')}]` : ''}`,
    `Running:   ${picture.running.ok ? `${picture.running.answer.raw}` : `not answering (${picture.running.reason})`}`,
    `URL:       ${picture.url} (from ${picture.urlEvidence})`,
    `Config:    ${install.configPaths.join(', ')}`,
    `Database:  ${String(report.database)}`,
    `Restart:   ${managerLabel(install)}`,
    `Workers:   ${install.workers.length ? install.workers.map((w) => `${w.name}${w.url ? ` (${w.url})` : ''}`).join(', ') : 'none'}`,
    `Platform:  Python ${install.pythonVersion ?? '?'}, SQLite ${install.sqliteVersion ?? '?'}`,
    `Log:       ${picture.logFile ?? '(not found in the log config)'}`,
  ];
  io.stdout(lines.join('\n'));
  return 0;
}
