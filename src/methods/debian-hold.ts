import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandSpec } from '../system/command.js';
import type { RestartHold } from './types.js';

/**
 * Holding the package's own restart while apt or dpkg runs.
 *
 * matrix-synapse-py3 is built with debhelper at compat 10, whose default is "restart after upgrade": the
 * package's postinst runs `deb-systemd-invoke restart matrix-synapse.service` (or `invoke-rc.d`), so
 * `apt-get install` itself would restart Synapse, before the new version's config check, and with
 * Type=notify apt would wait through the migration under the unit's start timeout. Both helpers ask
 * `/usr/sbin/policy-rc.d` first and skip the action when it answers 101. The hold is a policy-rc.d of
 * ours that answers 101; an admin's own policy-rc.d is kept in the session folder and put back after.
 * Whether a hold is in place, and where the earlier policy-rc.d was kept, is read from the file itself
 * (its marker and `# kept:` lines), so a run that was killed while holding is released by the next run,
 * whichever command that is.
 */

export const POLICY_RC_D = 'usr/sbin/policy-rc.d';
export const HOLD_MARKER = '# synapse-upgrade: restart hold';
const SAVED_PREFIX = 'policy-rc.d.kept-';
const KEPT_LINE = '# kept: ';
const STAGED_PREFIX = 'policy-rc.d.hold-';

export const holdScript = (saved: string): string =>
  [
    '#!/bin/sh',
    `${HOLD_MARKER} (apt and dpkg must not restart Synapse while synapse-upgrade installs it;`,
    '# synapse-upgrade restarts it once, after checking the config). Removed when the install ends.',
    '# An earlier policy-rc.d, if there was one, is kept here and put back then:',
    `${KEPT_LINE}${saved}`,
    'exit 101',
    '',
  ].join('\n');

const readText = (path: string): Promise<string | undefined> => readFile(path, 'utf8').catch(() => undefined);

/** Whether the policy-rc.d at `root` is our hold (undefined: there is none). */
export async function holdState(root: string): Promise<'ours' | 'other' | undefined> {
  const text = await readText(join(root, POLICY_RC_D));
  if (text === undefined) return undefined;
  return text.includes(HOLD_MARKER) ? 'ours' : 'other';
}

/** The restart hold of a Debian install: policy-rc.d under `root`, kept copies in `sessionDir`. */
export function policyRcdHold(root: string, sessionDir: string, dryRun: boolean): RestartHold {
  const target = join(root, POLICY_RC_D);
  return {
    what: `${target} answers 101 while apt runs, so the package's postinst does not restart Synapse`,

    async hold() {
      // Held already: the interrupted run's apt still ran when this resumed run began (a hold left by a run whose
      // command ended is lifted before anything else). The hold in place stays as it is, naming the admin's kept
      // policy-rc.d if there was one, and the resumed run goes straight on to follow that apt.
      const now = await holdState(root);
      if (now === 'ours') return [];
      const commands: CommandSpec[] = [];
      // New names each time: a resumed run must hold (and keep) again, never take an earlier run's result for it.
      const stamp = Date.now();
      const saved = join(sessionDir, `${SAVED_PREFIX}${stamp}`);
      if (now === 'other') commands.push({ argv: ['cp', '-p', target, saved], title: `Keep your ${target} (put back after the install)` });
      const staged = join(sessionDir, `${STAGED_PREFIX}${stamp}`);
      if (!dryRun) await writeFile(staged, holdScript(saved), { mode: 0o755 });
      commands.push({ argv: ['install', '-m', '0755', staged, target], title: `Hold the package's own restart during the install (${target} answers 101)` });
      return commands;
    },

    async release() {
      const text = await readText(target);
      const ours = text?.includes(HOLD_MARKER) ?? false;
      if (!dryRun && !ours) return [];
      const saved = keptPath(text);
      const keptCopy = saved !== undefined && (await readText(saved)) !== undefined;
      for (const name of await readdir(sessionDir).catch(() => [] as string[])) {
        if (name.startsWith(STAGED_PREFIX) && !dryRun) await rm(join(sessionDir, name), { force: true });
      }
      return keptCopy
        ? [
            { argv: ['cp', '-p', saved, target], title: `Put your ${target} back (the restart hold ends)` },
            { argv: ['rm', '-f', saved], title: 'Remove the kept copy' },
          ]
        : [{ argv: ['rm', '-f', target], title: `Remove the restart hold ${target}` }];
    },
  };
}

/** The kept copy named in a hold's text. */
function keptPath(text: string | undefined): string | undefined {
  const line = text?.split('\n').find((l) => l.startsWith(KEPT_LINE));
  return line ? line.slice(KEPT_LINE.length).trim() || undefined : undefined;
}
