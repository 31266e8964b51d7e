import { AdminError, ExitCode } from '../core/errors.js';
import type { Ask } from '../core/events.js';
import type { CoverageReport } from '../core/notes/coverage.js';
import type { WizardOptions } from './context.js';

/** What must be acknowledged for the releases steps/ does not cover: each unchecked section, or the unread range. */
export function uncheckedItems(coverage: CoverageReport): { id: string; text: string; details: string[] }[] {
  const { uncovered, upstream } = coverage;
  if (!uncovered) return [];
  const where = coverage.readAt.map((w) => `Read them at: ${w}`);
  if (upstream.status !== 'read') {
    return [
      {
        id: `unchecked:${uncovered.after}-${uncovered.to}`,
        text: `[unchecked] Releases after ${uncovered.after} up to ${uncovered.to}: their upgrade notes were not checked`,
        details: [
          `This tool's notes stop at ${coverage.knownThrough}, and the upgrade notes of ${uncovered.to} could not be read${upstream.status === 'unreadable' ? `: ${upstream.reason}` : ''}.`,
          ...where,
        ],
      },
    ];
  }
  return coverage.unchecked.map((note) => ({
    id: `unchecked:${note.version}`,
    text: `[unchecked] v${note.version}: ${note.heading} (from ${uncovered.to}'s own upgrade notes; not checked against this server)`,
    details: [
      `From: ${upstream.source}`,
      ...where,
      '',
      ...note.text.split('\n'),
      ...(note.truncated ? ['(cut short here; read the rest in the upgrade notes)'] : []),
    ],
  }));
}

/**
 * Each unchecked note is acknowledged like a breaking one: asked one by one; under --yes refused unless
 * --accept-unchecked-notes. Returns the ids acknowledged.
 */
export async function acknowledgeUnchecked(coverage: CoverageReport, opts: WizardOptions, ask: Ask): Promise<string[]> {
  const done: string[] = [];
  const items = uncheckedItems(coverage);
  for (const item of items) {
    if (opts.acceptUncheckedNotes) {
      done.push(item.id);
      continue;
    }
    if (opts.yes) {
      throw new AdminError(`Refused: ${item.text.replace(/^\[unchecked\] /, '')}.`, {
        exitCode: ExitCode.refused,
        notes: items.map((i) => i.id),
        serverState: 'nothing was changed',
        nextStep: `Read those notes (${coverage.readAt[0] ?? 'docs/upgrade.md'}), deal with what they ask, then run again with --accept-unchecked-notes.`,
      });
    }
    const answer = await ask({
      id: item.id,
      text: item.text,
      details: item.details,
      choices: [
        { value: 'ack', label: 'I have read this and dealt with it: continue' },
        { value: 'stop', label: 'Stop here and change nothing' },
      ],
      safeDefault: 'ack',
    });
    if (answer !== 'ack')
      throw new AdminError(`Stopped at ${item.id} at your request.`, {
        exitCode: ExitCode.refused,
        code: 'stopped',
        serverState: 'nothing was changed',
        notes: [item.id],
      });
    done.push(item.id);
  }
  return done;
}
