import { AdminError, ExitCode } from '../core/errors.js';
import type { Ask } from '../core/events.js';
import { candidateLabel } from '../methods/detect.js';
import type { Install } from '../methods/types.js';

/** When two installs are equally plausible, the admin picks one; `--yes` cannot, so it stops (exit 2). */
export function chooseInstallBy(ask: Ask): (candidates: Install[]) => Promise<Install> {
  return async (candidates) => {
    let answer: string;
    try {
      answer = await ask({
        id: 'method',
        text: 'More than one Synapse install looks plausible here. Which one should be upgraded?',
        details: candidates.flatMap((c, i) => [`${i + 1}. ${candidateLabel(c)} (${c.confidence} confidence):`, ...c.evidence.map((e) => `   - ${e}`)]),
        choices: candidates.map((c, i) => ({ value: String(i), label: `${c.method}: ${candidateLabel(c)}` })),
      });
    } catch (error) {
      if (!(error instanceof AdminError) || error.exitCode !== ExitCode.usage) throw error;
      throw new AdminError(`More than one Synapse install looks plausible: ${candidates.map((c) => `${c.method} (${candidateLabel(c)})`).join(', ')}.`, {
        exitCode: ExitCode.usage,
        serverState: 'nothing was changed',
        nextStep: `Say which with --method ${[...new Set(candidates.map((c) => c.method))].join('|')}${candidates.some((c) => c.venv) ? ' (and --venv PATH)' : ''}.`,
      });
    }
    return candidates[Number(answer)] ?? (candidates[0] as Install);
  };
}
