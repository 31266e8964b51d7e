import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandSpec } from '../../system/command.js';
import type { RestartManager } from '../types.js';

type Systemd = Extract<RestartManager, { kind: 'systemd' }>;

export const MAIN_UNIT = 'matrix-synapse.service';
export const TARGET_UNIT = 'matrix-synapse.target';
export const WORKER_TEMPLATE = 'matrix-synapse-worker@.service';
/** systemd's DefaultTimeoutStartSec. */
export const DEFAULT_START_TIMEOUT = 90;
export const DROP_IN_NAME = 'synapse-upgrade-timeout.conf';

/** Unit folders, most specific first (under `root`, `/` on a real host). */
export const unitDirs = (root: string): string[] =>
  ['etc/systemd/system', 'run/systemd/system', 'lib/systemd/system', 'usr/lib/systemd/system'].map((d) => join(root, d));

const read = (path: string): Promise<string | undefined> => readFile(path, 'utf8').catch(() => undefined);

/** `90`, `90s`, `5min`, `1h 30min`, `infinity` → seconds. */
export function parseSystemdSeconds(text: string): number | undefined {
  const value = text.trim();
  if (value === 'infinity') return Infinity;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const units: Record<string, number> = {
    us: 1e-6,
    ms: 1e-3,
    s: 1,
    sec: 1,
    second: 1,
    seconds: 1,
    m: 60,
    min: 60,
    minute: 60,
    minutes: 60,
    h: 3600,
    hr: 3600,
    hour: 3600,
    hours: 3600,
    d: 86400,
    day: 86400,
    days: 86400,
  };
  let total = 0;
  const parts = value.match(/(\d+(?:\.\d+)?)\s*([a-z]+)/g);
  if (!parts || parts.join('').replace(/\s/g, '') !== value.replace(/\s/g, '')) return undefined;
  for (const part of parts) {
    const [, n, unit] = /(\d+(?:\.\d+)?)\s*([a-z]+)/.exec(part) ?? [];
    const factor = units[unit ?? ''];
    if (factor === undefined) return undefined;
    total += Number(n) * factor;
  }
  return total;
}

/** The last value of `key=` in the [Service] sections of unit text (later files override). */
export function serviceSetting(texts: readonly string[], key: string): string | undefined {
  let value: string | undefined;
  for (const text of texts) {
    let section = '';
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line.startsWith('[')) section = line;
      else if (section === '[Service]' && line.startsWith(`${key}=`)) value = line.slice(key.length + 1).trim();
    }
  }
  return value;
}

export interface UnitFile {
  name: string;
  path: string;
  text: string;
}

/** The first file for `name` in the unit folders, plus its drop-ins (`<name>.d/*.conf`, sorted). */
export async function readUnit(root: string, name: string): Promise<{ unit: UnitFile | undefined; dropIns: UnitFile[] }> {
  let unit: UnitFile | undefined;
  for (const dir of unitDirs(root)) {
    const text = await read(join(dir, name));
    if (text !== undefined) {
      unit = { name, path: join(dir, name), text };
      break;
    }
  }
  const dropIns: UnitFile[] = [];
  for (const dir of [...unitDirs(root)].reverse()) {
    const folder = join(dir, `${name}.d`);
    const names = (await readdir(folder).catch(() => [] as string[])).filter((n) => n.endsWith('.conf')).sort();
    for (const n of names) dropIns.push({ name: n, path: join(folder, n), text: (await read(join(folder, n))) ?? '' });
  }
  return { unit, dropIns };
}

/** Worker instances enabled in `*.wants/` folders (`matrix-synapse-worker@NAME.service`). */
export async function enabledWorkerUnits(root: string): Promise<string[]> {
  const found = new Set<string>();
  for (const dir of unitDirs(root)) {
    const entries = await readdir(dir).catch(() => [] as string[]);
    for (const entry of entries.filter((e) => e.endsWith('.wants'))) {
      for (const name of await readdir(join(dir, entry)).catch(() => [] as string[])) {
        if (/^matrix-synapse-worker@[^/]+\.service$/.test(name)) found.add(name);
      }
    }
  }
  return [...found].sort();
}

/** The `--config-path` pattern of the worker template (`%i` = the instance name). */
export async function workerConfigPattern(root: string): Promise<string | undefined> {
  const { unit } = await readUnit(root, WORKER_TEMPLATE);
  const exec = unit ? serviceSetting([unit.text], 'ExecStart') : undefined;
  const match = exec ? /--config-path[= ](\S*%i\S*)/.exec(exec) : undefined;
  return match?.[1];
}

export interface SystemdFinding {
  manager: Systemd;
  evidence: string[];
  execStart: string | undefined;
}

/**
 * A matrix-synapse unit, when there is one. For the Debian package it is the packaged unit; for a
 * virtualenv it counts only when its ExecStart runs that virtualenv (`mustMention`).
 */
export async function detectSystemd(root: string, mustMention?: string): Promise<SystemdFinding | undefined> {
  const { unit, dropIns } = await readUnit(root, MAIN_UNIT);
  if (!unit) return undefined;
  const texts = [unit.text, ...dropIns.map((d) => d.text)];
  const execStart = serviceSetting(texts, 'ExecStart');
  if (mustMention && !(execStart ?? '').includes(mustMention)) return undefined;
  const evidence = [`systemd unit ${unit.path}${execStart ? ` runs ${execStart}` : ''}`];
  const timeoutText = serviceSetting(texts, 'TimeoutStartSec') ?? serviceSetting(texts, 'TimeoutSec');
  const timeoutStartSec = (timeoutText ? parseSystemdSeconds(timeoutText) : undefined) ?? DEFAULT_START_TIMEOUT;
  const target = await readUnit(root, TARGET_UNIT);
  const workerUnits = target.unit ? await enabledWorkerUnits(root) : [];
  if (target.unit && workerUnits.length) evidence.push(`${TARGET_UNIT} with worker units ${workerUnits.join(', ')}: restart the target`);
  return {
    execStart,
    evidence,
    manager: {
      kind: 'systemd',
      unit: target.unit && workerUnits.length ? TARGET_UNIT : MAIN_UNIT,
      mainUnit: MAIN_UNIT,
      mainUnitFile: unit.path,
      workerUnits,
      timeoutStartSec,
      restartPolicy: serviceSetting(texts, 'Restart'),
      dropInDir: join(root, 'etc/systemd/system', `${MAIN_UNIT}.d`),
    },
  };
}

export function systemdRestart(manager: Systemd): CommandSpec {
  return {
    argv: ['systemctl', 'restart', manager.unit],
    title: manager.unit === TARGET_UNIT ? 'Restart Synapse and its workers (systemd target)' : 'Restart Synapse (systemd)',
  };
}

export const dropInText = (seconds: number): string =>
  `# Written by synapse-upgrade: a schema migration at start-up can outlast systemd's default\n# 90 s start timeout, and Restart= would then kill it and start it again in a loop.\n[Service]\nTimeoutStartSec=${seconds}\n`;

/** A start timeout short enough for a migration to be killed, with a Restart= that loops it. */
export function timeoutRisk(manager: Systemd): boolean {
  return manager.timeoutStartSec !== Infinity && manager.timeoutStartSec < 600;
}
