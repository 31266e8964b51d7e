// ESLint (flat config): the layers of docs/ARCHITECTURE.md as import rules, small signatures, no unused code.
// Run by `npm test` through `npm run lint`. Formatting is Prettier's job (`npm run format`), not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Everything a layer may not import: the layers above it, by folder. */
const LAYERS = ['config', 'system', 'methods', 'engine', 'ui', 'cli', 'demo'];
const above = (...allowed) =>
  LAYERS.filter((l) => !allowed.includes(l)).map((l) => ({
    group: [`**/${l}/*`, `**/${l}`],
    message: `This layer may not import src/${l}/ (docs/ARCHITECTURE.md: commands go down, events come up).`,
  }));

/** Node built-ins that reach the machine (files, processes, network); core is pure. */
const NODE_IO = {
  group: ['node:*', '!node:util', '!node:assert'],
  message: 'src/core is pure: no file, process or network access (do the I/O in src/system and pass the data in).',
};
const RENDERING = { group: ['react', 'react/*', 'ink', 'ink-*'], message: 'Rendering belongs in src/ui.' };
const SPAWNING = {
  group: ['execa', 'node:child_process'],
  message: 'One runner spawns every process: src/system/runner.ts (read-only ones: src/system/probe.ts, python-probe.ts).',
};

/** The engine and the CLI see an install method through its interface (types.ts) and the registry only. */
const METHOD_INTERNALS = {
  group: ['**/methods/pip*', '**/methods/git*', '**/methods/debian*', '**/methods/docker*', '**/methods/restart/docker*'],
  message:
    'One install method\'s own code stays behind the InstallMethod interface: use src/methods/registry.ts and types.ts (docs/ARCHITECTURE.md, "An install method").',
};

const restrict = (files, patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.state/**', 'test/fixtures/**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        AbortController: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        performance: 'readonly',
        structuredClone: 'readonly',
        fetch: 'readonly',
        queueMicrotask: 'readonly',
        setImmediate: 'readonly',
        AbortSignal: 'readonly',
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Many positional arguments are hard to read at the call site: pass one object instead.
      'max-params': ['error', 4],
      // No unused code.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/no-unused-expressions': 'error',
      'no-unused-private-class-members': 'error',
      'no-useless-rename': 'error',
      'no-useless-return': 'error',
      'no-unreachable-loop': 'error',
      // Terminal escapes and control characters are this program's subject (screen text, hostile input).
      'no-control-regex': 'off',
    },
  },
  restrict(['src/core/**'], [...above(), NODE_IO, RENDERING, SPAWNING]),
  restrict(['src/config/**'], [...above('config'), RENDERING, SPAWNING]),
  restrict(['src/system/**'], [...above('config', 'system'), RENDERING]),
  restrict(['src/methods/**'], [...above('config', 'system', 'methods'), RENDERING, SPAWNING]),
  restrict(['src/engine/**'], [...above('config', 'system', 'methods', 'engine'), METHOD_INTERNALS, RENDERING, SPAWNING]),
  restrict(['src/ui/**'], [...above('ui'), SPAWNING]),
  restrict(['src/cli/**'], [METHOD_INTERNALS]),
);
