import type { Ask, Emit, Question, WizardEvent } from '../core/events.js';
import { AdminError, ExitCode } from '../core/errors.js';
import { screenText, screenValue } from '../core/screen-text.js';

type Listener = (event: WizardEvent) => void;

/** The terminal-safe copy of an event; a line of output, by far the most frequent, takes the short way. */
const forScreen = (event: WizardEvent): WizardEvent =>
  event.type === 'command.output'
    ? { type: event.type, id: event.id, line: screenText(event.line) }
    : event.type === 'command.lines'
      ? { type: event.type, id: event.id, lines: event.lines.map((line) => screenText(line)) }
      : screenValue(event);

/**
 * Connects the engine to a renderer: events fan out to listeners, and questions wait for
 * `answer()` (from the screen) or are answered at once with the safe default under --yes.
 * Every renderer gets its events here, so this is where outside text is made terminal-safe
 * (src/core/screen-text.ts): listeners see events with escape sequences and control characters
 * removed and lines capped, unless they subscribe `exact` (the JSON stream, whose encoding is safe).
 */
export class EventBus {
  private listeners = new Set<Listener>();
  /** Open questions: how to answer each, and the values its choices allow. */
  private pending = new Map<string, { resolve: (value: string) => void; values: readonly string[] }>();
  /** Events sent before anyone listened (the screen subscribes after its first render). */
  private early: WizardEvent[] = [];

  constructor(private readonly yes: boolean) {}

  subscribe(listener: Listener, opts: { exact?: boolean } = {}): () => void {
    const deliver: Listener = opts.exact ? listener : (event) => listener(forScreen(event));
    this.listeners.add(deliver);
    const early = this.early;
    this.early = [];
    early.forEach(deliver);
    return () => this.listeners.delete(deliver);
  }

  emit: Emit = (event) => {
    if (this.listeners.size === 0 && this.early.length < 10_000) this.early.push(event);
    for (const listener of this.listeners) listener(event);
  };

  ask: Ask = <T extends string>(question: Question<T>): Promise<T> => {
    this.emit({ type: 'question', question });
    if (this.yes) {
      if (question.safeDefault === undefined) {
        return Promise.reject(
          new AdminError(`--yes cannot answer "${question.text}": there is no safe default.`, {
            exitCode: ExitCode.usage,
            nextStep: 'Run the wizard in a terminal to choose, or pass the choice as an option.',
          }),
        );
      }
      this.emit({ type: 'answer', questionId: question.id, value: question.safeDefault });
      return Promise.resolve(question.safeDefault);
    }
    const values = question.choices.map((choice) => choice.value);
    return new Promise<T>((resolve) => this.pending.set(question.id, { resolve: (value) => resolve(value as T), values }));
  };

  /** The screen's answer: one of the question's choices (anything else is ignored, the question stays open). */
  answer(questionId: string, value: string): void {
    const open = this.pending.get(questionId);
    if (!open || !open.values.includes(value)) return;
    this.pending.delete(questionId);
    this.emit({ type: 'answer', questionId, value });
    open.resolve(value);
  }
}
