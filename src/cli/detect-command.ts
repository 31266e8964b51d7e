import { exactJson } from '../core/screen-text.js';
import { candidateLabel, installLocation } from '../methods/detect.js';
import { managerLabel } from '../methods/restart/index.js';
import type { Install } from '../methods/types.js';
import { inspectServer, type ServerPicture } from '../engine/inspect.js';
import { databaseEngineOf } from '../system/note-facts.js';
import type { CliOptions } from './args.js';
import type { CliIO } from './output.js';

/** Where the install lives, per method (the fields a script needs to act on it). */
function locationFields(install: Install): Record<string, unknown> {
  switch (install.method) {
    case 'pip':
      return { venv: install.venv };
    case 'git':
      return { venv: install.venv, repo: install.repo, editable: install.editable, remote: install.remote ?? null };
    case 'debian':
      return { venv: install.venv, package: install.package, packageVersion: install.packageVersion };
    case 'docker':
      return { venv: null, container: install.container, image: install.image, imageRepo: install.imageRepo, compose: install.compose ?? null };
  }
}

function restartFields(install: Install): Record<string, unknown> {
  const r = install.restart;
  if (r.kind === 'systemd')
    return { unit: r.unit, workerUnits: r.workerUnits, timeoutStartSec: Number.isFinite(r.timeoutStartSec) ? r.timeoutStartSec : 'infinity' };
  if (r.kind === 'synctl') return { synctl: r.synctl, workersDir: r.workersDir ?? null };
  return { container: r.container, compose: r.compose };
}

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
      what: candidateLabel(c),
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
    restartDetails: restartFields(install),
    workers: install.workers.map((w) => ({
      name: w.name,
      app: w.app ?? null,
      config: w.configPath ?? null,
      unit: w.unit ?? null,
      url: w.url ?? null,
      from: w.from,
    })),
    ...locationFields(install),
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
    `Method:    ${install.method}, ${install.confidence} confidence (${installLocation(install)})`,
    ...install.evidence.map((e) => `           - ${e}`),
    ...(others.length
      ? [
          `${picture.detection?.ambiguous ? 'Also as plausible (the wizard asks; --config, --venv, --url or --method chooses)' : 'Also found'}:`,
          ...others.flatMap((c) => [`           - ${c.method}: ${candidateLabel(c)} (${c.confidence})`, ...c.evidence.map((e) => `               ${e}`)]),
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
