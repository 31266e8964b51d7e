/**
 * The last lines of a command's output (or a log), indented, for an error message: what the admin reads first
 * when a command failed. Blank lines are left out (they only push the useful lines off). Pure.
 */
export function outputTail(lines: readonly string[], count = 8): string {
  return lines
    .filter((line) => line.trim() !== '')
    .slice(-count)
    .map((line) => `  ${line}`)
    .join('\n');
}
