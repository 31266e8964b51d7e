import { AdminError, ExitCode } from '../core/errors.js';
import type { Ask } from '../core/events.js';
import { describeInstall } from '../methods/registry.js';
import type { Install } from '../methods/types.js';

/** What tells the candidates apart on the command line: their configs, else their virtualenvs, else the method. */
function howToSay(candidates: Install[]): string {
  const configs = new Set(candidates.map((c) => c.configPaths[0] ?? ''));
  const venvs = new Set(candidates.map((c) => c.venv ?? ''));
  if (configs.size === candidates.length) return 'Say which with --config PATH (or --venv PATH, --url URL of its client listener).';
  if (venvs.size === candidates.length) return 'Say which with --venv PATH (or --config PATH).';
  return `Say which with --method ${[...new Set(candidates.map((c) => c.method))].join('|')}${candidates.some((c) => c.venv) ? ' (and --venv PATH)' : ''}.`;
}

/**
 * When two installs are equally plausible (a checkout with a venv from PyPI, several homeservers
 * running on one host), the admin picks one; `--yes` cannot, so it stops (exit 2) naming each.
 */
export function chooseInstallBy(ask: Ask): (candidates: Install[]) => Promise<Install> {
  return async (candidates) => {
    const homeservers = new Set(candidates.map((c) => c.configPaths[0] ?? '')).size > 1;
    let answer: string;
    try {
      answer = await ask({
        id: 'method',
        text: homeservers
          ? `${candidates.length} Synapse homeservers were found here. Which one should be upgraded?`
          : 'More than one Synapse install looks plausible here. Which one should be upgraded?',
        details: candidates.flatMap((c, i) => [`${i + 1}. ${describeInstall(c).label} (${c.confidence} confidence):`, ...c.evidence.map((e) => `   - ${e}`)]),
        choices: candidates.map((c, i) => ({ value: String(i), label: `${c.method}: ${describeInstall(c).label}` })),
      });
    } catch (error) {
      if (!(error instanceof AdminError) || error.exitCode !== ExitCode.usage) throw error;
      const list = candidates.map((c) => `${c.method} (${describeInstall(c).label})`).join('; ');
      throw new AdminError(
        `More than one Synapse install looks plausible: ${list}. Configs: ${candidates.map((c) => c.configPaths.join(' + ') || '(none found)').join(', ')}.`,
        {
          exitCode: ExitCode.usage,
          code: 'ambiguous',
          serverState: 'nothing was changed',
          nextStep: howToSay(candidates),
        },
      );
    }
    return candidates[Number(answer)] ?? (candidates[0] as Install);
  };
}
