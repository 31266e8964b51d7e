import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';

// The layer rules of eslint.config.js, tried on small files placed (virtually) in each layer.
const eslint = new ESLint({ cwd: process.cwd() });
const problems = async (filePath: string, code: string): Promise<string[]> => {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
};

test('src/core imports nothing above it: no adapters, no engine, no rendering, no I/O', async () => {
  for (const line of [
    "import { shellQuote } from '../system/redact.js';",
    "import type { Runner } from '../system/runner.js';",
    "import { STEPS } from '../engine/flow.js';",
    "import { Text } from 'ink';",
    "import { readFile } from 'node:fs/promises';",
    "import { execa } from 'execa';",
  ]) {
    const found = await problems('src/core/example.ts', `${line}\nexport const x = [${line.match(/\{ (\w+)/)?.[1]}];\n`);
    assert.ok(
      found.some((p) => p.startsWith('no-restricted-imports')),
      `${line}: ${found.join('; ')}`,
    );
  }
  assert.deepEqual(
    await problems(
      'src/core/example.ts',
      "import { isDeepStrictEqual } from 'node:util';\nimport { parseVersion } from './version.js';\nexport const x = [isDeepStrictEqual, parseVersion];\n",
    ),
    [],
  );
});

test('src/ui renders from core only: no system/, engine/ or methods/', async () => {
  for (const from of ['../system/journal.js', '../../engine/wizard.js', '../methods/pip.js']) {
    const found = await problems('src/ui/ink/example.tsx', `import { x } from '${from}';\nexport const y = x;\n`);
    assert.ok(
      found.some((p) => p.startsWith('no-restricted-imports')),
      `${from}: ${found.join('; ')}`,
    );
  }
  assert.deepEqual(await problems('src/ui/ink/example.tsx', "import type { WizardEvent } from '../../core/events.js';\nexport type E = WizardEvent;\n"), []);
});

test('more than four parameters and unused code are errors', async () => {
  assert.match(
    (
      await problems('src/system/example.ts', 'export function f(a: number, b: number, c: number, d: number, e: number) {\n  return a + b + c + d + e;\n}\n')
    ).join(),
    /max-params/,
  );
  assert.match((await problems('src/system/example.ts', "import { join } from 'node:path';\nexport const x = 1;\n")).join(), /no-unused-vars/);
});

test('src/engine and src/cli see install methods only through the interface and the registry', async () => {
  for (const [file, from] of [
    ['src/engine/example.ts', '../methods/docker-detect.js'],
    ['src/engine/steps/example.ts', '../../methods/debian.js'],
    ['src/engine/example.ts', '../methods/pip-detect.js'],
    ['src/engine/example.ts', '../methods/git.js'],
    ['src/engine/example.ts', '../methods/restart/docker.js'],
    ['src/cli/example.ts', '../methods/docker.js'],
  ] as const) {
    const found = await problems(file, `import { x } from '${from}';\nexport const y = x;\n`);
    assert.ok(
      found.some((p) => p.startsWith('no-restricted-imports') && p.includes('InstallMethod interface')),
      `${file} importing ${from}: ${found.join('; ')}`,
    );
  }
  assert.deepEqual(
    await problems(
      'src/engine/example.ts',
      "import { methodFor } from '../methods/registry.js';\nimport type { Install } from '../methods/types.js';\nexport const y = (i: Install) => methodFor(i);\n",
    ),
    [],
  );
});
