import type { MethodName } from './types.js';

/**
 * The install methods' names, as `--method` takes them: their own small module, so parsing the command line loads
 * none of the methods (src/methods/registry.ts holds the methods themselves, and its type checks both lists agree).
 */
export const METHOD_NAMES = ['pip', 'git', 'debian', 'docker'] as const satisfies readonly MethodName[];
