import type { WizardEvent } from '../core/events.js';
import { checkLine, noteLine } from '../core/session.js';
import { coverageLines } from '../core/notes/coverage.js';

const MARK = { done: '[ok]', failed: '[!!]', skipped: '[--]' } as const;

/**
 * The line renderer for pipes, logs and --yes runs without a terminal: one plain line per
 * event, no escape codes. Waiting is reported when its progress changes or every 10 s (never a bare line
 * before 10 s).
 */
export function createPlainRenderer(write: (line: string) => void): (event: WizardEvent) => void {
  let lastProgress: string | undefined;
  let lastWaitReport = -Infinity;
  return (event) => {
    switch (event.type) {
      case 'step.started':
        write(`[..] ${event.title}`);
        break;
      case 'step.finished':
        write(`${MARK[event.status]} ${event.step}${event.summary ? `: ${event.summary}` : ''}`);
        break;
      case 'detected':
        for (const line of event.install.evidence) write(`     ${line}`);
        break;
      case 'command.started':
        write(`${event.dryRun ? '     (dry run, not run) ' : '     '}$ ${event.argv.join(' ')}`);
        if (event.dryRun)
          write(
            `       as ${event.user ?? '?'} in ${event.cwd ?? '(current folder)'}${event.envNames?.length ? ` with ${event.envNames.join(', ')} set` : ''}`,
          );
        break;
      case 'command.output':
        write(`     | ${event.line}`);
        break;
      case 'command.lines':
        for (const line of event.lines) write(`     | ${line}`);
        break;
      case 'command.finished':
        if (event.exitCode !== 0) write(`     exit ${event.exitCode}`);
        break;
      case 'note':
        write(noteLine(event.note));
        break;
      case 'notes.coverage':
        for (const line of coverageLines(event.coverage)) write(line);
        break;
      case 'check':
        write(checkLine(event));
        break;
      case 'message':
        write(`${event.level === 'info' ? '' : `${event.level}: `}${event.text}`);
        break;
      case 'waiting':
        // A bare "waiting 0 s" says nothing: without progress to report, the first line comes after 10 s.
        if (event.progress === undefined && event.elapsedMs < 10_000) break;
        if (event.progress !== lastProgress || event.elapsedMs - lastWaitReport >= 10_000) {
          lastProgress = event.progress;
          lastWaitReport = event.elapsedMs;
          write(`     waiting ${Math.round(event.elapsedMs / 1000)} s${event.progress ? `: ${event.progress}` : ''}`);
        }
        break;
      case 'question':
        write(`? ${event.question.text}`);
        for (const line of event.question.details ?? []) write(`    ${line}`);
        break;
      case 'answer':
        write(`  → ${event.value}`);
        break;
      case 'result':
        for (const line of event.result.lines) write(line);
        break;
      default:
        break;
    }
  };
}
