import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateNotes } from '../../src/core/notes/evaluate.js';
import { selectNotes } from '../../src/core/notes/select.js';
import type { Note, NoteResult } from '../../src/core/notes/types.js';
import { mustParseVersion, sortNewestFirst } from '../../src/core/version.js';
import { gatherNoteFacts } from '../../src/system/note-facts.js';
import type { ReleaseData } from '../../src/system/release-data.js';

/**
 * Notes on a stock config: what `--generate-config` writes, on a pip install as the wizard detects it
 * (restarted by synctl, no workers, Python 3.11.7 with SQLite 3.40.1). Every note from `from` to the newest
 * release in steps/ is evaluated.
 */
export const STOCK_INSTALL = {
  installMethod: 'pip',
  restart: { kind: 'synctl', evidence: 'Synapse is restarted by synctl (/srv/synapse/env/bin/synctl), not by systemd' },
  workers: { present: false, evidence: 'detection found no worker' },
  platform: { python: '3.11.7', sqlite: '3.40.1' },
} as const;

/** Copies a generated config folder to a temp folder, pointing its absolute paths (log_config…) there. */
export async function placeStockConfig(dir: string, generatedAt: string): Promise<{ root: string; config: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'stock-config-'));
  for (const name of await readdir(dir)) {
    const text = await readFile(join(dir, name), 'utf8');
    await writeFile(join(root, name), text.replaceAll(generatedAt, root));
  }
  return { root, config: join(root, 'homeserver.yaml'), cleanup: () => rm(root, { recursive: true, force: true }) };
}

export async function stockResults(steps: ReleaseData, configPath: string, from: string): Promise<{ results: NoteResult[]; warnings: string[] }> {
  const newest = sortNewestFirst(steps.releases.map((r) => r.version))[0] ?? from;
  const selected = selectNotes(steps.notes, mustParseVersion(from), mustParseVersion(newest));
  const { facts, warnings } = await gatherNoteFacts({
    configPaths: [configPath],
    installMethod: STOCK_INSTALL.installMethod,
    restart: { ...STOCK_INSTALL.restart },
    workers: { ...STOCK_INSTALL.workers },
    workerConfigPaths: [],
    platform: { ...STOCK_INSTALL.platform },
  });
  return { results: evaluateNotes(selected, facts), warnings };
}

/** Notes about single sign-on (SAML2, OIDC, CAS, SSO templates). */
export const isSsoNote = (note: Note): boolean => /(^|-)(saml2?|oidc|cas|sso)(-|$)/.test(note.id);
/** Notes that only matter with workers. */
export const isWorkerNote = (note: Note): boolean => note.concerns.workers === true || /worker/.test(note.id);

/** What a stock config must never get: a breaking note, an SSO note or a worker note that applies (or may). */
export function stockProblems(results: readonly NoteResult[], notes: ReadonlyMap<string, Note>): string[] {
  const problems: string[] = [];
  for (const r of results) {
    const note = notes.get(r.id)!;
    const why = r.findings.map((f) => f.message).join('; ');
    if (r.severity === 'breaking' && r.applies === 'yes') problems.push(`breaking note ${r.id} applies (${why})`);
    if (isSsoNote(note) && r.applies !== 'no') problems.push(`SSO note ${r.id} is ${r.applies} (${why})`);
    if (isWorkerNote(note) && r.applies !== 'no') problems.push(`worker note ${r.id} is ${r.applies} (${why})`);
  }
  return problems;
}
