import type { ServerVersionAnswer } from '../core/server-version.js';
import type { ResumeRule } from '../core/steps.js';
import { sameVersion } from '../core/version.js';
import type { JournalStep } from '../system/journal.js';

/** What the system says now, read by the re-checks (engine/resume-check.ts) for one step's resume rule. */
export interface ResumeFacts {
  /** `target-installed`: the version installed now (undefined when it cannot be read). */
  installed?: string | undefined;
  /** `target-answers`: what Synapse answers now over HTTP (undefined when it does not answer). */
  answer?: ServerVersionAnswer | undefined;
  /** `target-answers`, when the target does not answer: whether the process in Synapse's pid file runs. */
  serverProcess?: 'alive' | 'gone' | 'unknown';
}

/** What a resumed session does with a step: run it, or count it as done (and what that leaves for later steps). */
export type ResumeDecision =
  | { kind: 'run' }
  | {
      kind: 'done';
      why: string;
      /** `backup`: the recorded backup goes back into the session; `answering`: Synapse is back (since `readyAt`, when the wait step saw it); `migrating`: the restarted Synapse is still starting up, follow it. */
      then?: { kind: 'backup' } | { kind: 'answering'; answer: ServerVersionAnswer; readyAt: number | undefined } | { kind: 'migrating' };
    };

/**
 * Whether a step's effect is already there. Pure: the journal's entries and the re-checked facts decide, by the
 * step's resume rule (core/steps.ts). Install and restart are judged by the system (what is installed, what
 * answers), never by the journal alone.
 */
export function decideResume(input: {
  rule: ResumeRule;
  target: string;
  entry: JournalStep | undefined;
  waitedAt: string | undefined;
  facts: ResumeFacts;
}): ResumeDecision {
  const { rule, target, entry, facts } = input;
  const finished = entry?.status === 'done' || entry?.status === 'skipped';
  const run = { kind: 'run' } as const;
  switch (rule) {
    case 'run-again':
      return run;
    case 'answered':
    case 'finished':
      return finished ? { kind: 'done', why: entry.summary ?? entry.status } : run;
    case 'backup-recorded':
      return finished ? { kind: 'done', why: entry.summary ?? 'done', then: { kind: 'backup' } } : run;
    case 'target-installed':
      return facts.installed !== undefined && sameVersion(facts.installed, target) ? { kind: 'done', why: `matrix-synapse ${target} is installed` } : run;
    case 'target-answers': {
      if (facts.answer && sameVersion(facts.answer.version, target)) {
        const at = input.waitedAt !== undefined ? Date.parse(input.waitedAt) : NaN;
        return {
          kind: 'done',
          why: `Synapse already runs ${target}`,
          then: { kind: 'answering', answer: facts.answer, readyAt: Number.isFinite(at) ? at : undefined },
        };
      }
      // The restart command finished but Synapse does not answer the target yet (a long migration under a service
      // manager): restarting again would cut the migration short. While its process lives, follow it instead (wait
      // and verify judge it); a server that is not running at all is started again by the restart step.
      if (!finished || facts.serverProcess === 'gone') return run;
      return { kind: 'done', why: 'the restart command finished before the interruption; Synapse is not restarted again', then: { kind: 'migrating' } };
    }
  }
}
