import { screenText, stripControls } from '../core/screen-text.js';

/** Where the commands write: injected so tests can capture it. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIO: CliIO = {
  stdout: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  stderr: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/**
 * What every command writes passes here: outside text quoted in a report or an error loses its escape
 * sequences and control characters (src/core/screen-text.ts). JSON output is written with exactJson, which
 * holds no raw control character, so it goes through unchanged; stderr lines are also capped.
 */
export const terminalSafe = (io: CliIO): CliIO => ({
  stdout: (text) => io.stdout(stripControls(text)),
  stderr: (text) => io.stderr(screenText(text)),
});
