#!/usr/bin/env node
// Builds dist/synapse-upgrade.mjs: the whole CLI in one ES module that runs with nothing but Node 20.19+,
// with steps/ and the stand-in Synapse sources (for --demo) embedded as text. And the same CLI split into chunks
// loaded as they are needed, in dist/app/ (what bin/ runs): synapse-upgrade.mjs, and supervise.mjs for the
// supervisor of each mutating command, so neither compiles what it does not run (a Node start compiles every byte
// of the file it imports: 1.8 MB for the single file, 30-45 ms here before anything runs).
// Usage: node scripts/bundle.mjs [--outfile PATH] [--metafile] [--entry PATH --harness]
// --outfile builds the single file only, there. --entry with --harness bundles another entry as the single file is
// (the benchmark's throughput harness, so it measures the Ink that ships); it is not the CLI, so the bundle
// constant is left unset, and its supervisor is dist/app/supervise.mjs, as the CLI's is.
import { chmod, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { outfile: { type: 'string' }, metafile: { type: 'boolean' }, entry: { type: 'string' }, harness: { type: 'boolean' } },
});
if (Boolean(values.entry) !== Boolean(values.harness)) throw new Error('--entry and --harness go together');
const outfile = path.resolve(values.outfile ?? path.join(root, 'dist', 'synapse-upgrade.mjs'));
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));

/** Files under dir (relative, '/'-separated, sorted), skipping Python caches. */
async function listFiles(dir, keep) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.endsWith('.pyc'))
    .map((e) =>
      path
        .relative(dir, path.join(e.parentPath ?? e.path, e.name))
        .split(path.sep)
        .join('/'),
    )
    .filter((rel) => !rel.split('/').includes('__pycache__') && keep(rel))
    .sort();
}

const TREES = {
  // Only what the loader reads: the YAML files.
  steps: { dir: path.join(root, 'steps'), keep: (rel) => /\.ya?ml$/.test(rel) },
  // Every source file, as the wheelhouse hashes them (the same hash names the same cache).
  standin: { dir: path.join(root, 'test', 'fixtures', 'standin-synapse'), keep: () => true },
};

/** `import files from 'synapse-upgrade:embedded'`: each file imported through esbuild's text loader. */
const embedPlugin = {
  name: 'synapse-upgrade-embedded',
  setup(build) {
    build.onResolve({ filter: /^synapse-upgrade:embedded$/ }, (args) => ({ path: args.path, namespace: 'embedded' }));
    build.onLoad({ filter: /.*/, namespace: 'embedded' }, async () => {
      const imports = [];
      const trees = [];
      for (const [name, { dir, keep }] of Object.entries(TREES)) {
        const entries = [];
        for (const rel of await listFiles(dir, keep)) {
          const id = `f${imports.length}`;
          imports.push(`import ${id} from ${JSON.stringify(path.join(dir, rel))} with { type: 'text' };`);
          entries.push(`${JSON.stringify(rel)}: ${id}`);
        }
        trees.push(`${name}: {\n  ${entries.join(',\n  ')}\n}`);
      }
      return { contents: `${imports.join('\n')}\nexport default {\n${trees.join(',\n')}\n};\n`, resolveDir: root, loader: 'js' };
    });
  },
};

/**
 * yoga-layout (Ink's layout engine) loads its wasm with fetch() on a data: URL, which makes Node load its whole
 * fetch implementation (undici) at start-up and percent-decode 90 KB: hand it the bytes instead (about 7 ms).
 */
const yogaWasmPlugin = {
  name: 'yoga-wasm-bytes',
  setup(build) {
    build.onLoad({ filter: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const patched = text.replace(/(var H;H="data:application\/octet-stream;base64,[A-Za-z0-9+/=]*";)/, '$1w||(w=Buffer.from(H.slice(37),"base64"));');
      if (patched === text)
        throw new Error(`${build.initialOptions.outfile}: the wasm data: URL was not found in ${args.path}; update yogaWasmPlugin for this yoga-layout`);
      return { contents: patched, loader: 'js' };
    });
  },
};

/**
 * Ink keeps two caches for the life of the process, keyed by every text it ever laid out: measure-text's Map and
 * wrap-text's object. A command's output drawn line by line in the live tail fills them without end (and each
 * cached line can keep alive the 64 KiB read it was cut from). Cleared when they reach 2,000 entries: a cleared
 * cache only costs measuring again.
 */
const inkCachePlugin = {
  name: 'ink-bounded-caches',
  setup(build) {
    const patch = (file, text, from, to) => {
      if (!text.includes(from)) throw new Error(`${file}: "${from}" not found; update inkCachePlugin for this Ink`);
      return text.replace(from, to);
    };
    build.onLoad({ filter: /[\\/]ink[\\/]build[\\/]measure-text\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      return {
        contents: patch(args.path, text, 'cache.set(text, dimensions);', 'if (cache.size >= 2000) cache.clear(); cache.set(text, dimensions);'),
        loader: 'js',
      };
    });
    build.onLoad({ filter: /[\\/]ink[\\/]build[\\/]wrap-text\.js$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      text = patch(args.path, text, 'const cache = {};', 'let cache = {}; let cacheSize = 0;');
      text = patch(args.path, text, 'cache[cacheKey] = wrappedText;', 'if (++cacheSize > 2000) { cache = {}; cacheSize = 1; } cache[cacheKey] = wrappedText;');
      return { contents: text, loader: 'js' };
    });
  },
};

/**
 * Ink's text measure (string-width), line slicer (slice-ansi) and styled-character tokenizer (@alcalzone/ansi-tokenize)
 * each build an Intl.Segmenter when they load, and string-width its emoji regexes: the first Segmenter loads ICU's
 * break data and \p{RGI_Emoji} compiles on the first character outside ASCII, 60-110 ms before the first frame.
 * Each asks scripts/simple-text.mjs first (one grapheme a character, widths by East Asian Width, for text whose
 * every character stands alone: its test compares every such character); the Segmenter is built on first need,
 * and string-width's body runs on the first text that needs it.
 */
const SIMPLE_TEXT = JSON.stringify(path.join(root, 'scripts', 'simple-text.mjs'));
const simpleTextPlugin = {
  name: 'simple-text-first',
  setup(build) {
    const load = (filter, change) =>
      build.onLoad({ filter }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        const patch = (from, to) => {
          if (text.split(from).length !== 2) throw new Error(`${args.path}: "${from}" not found once; update simpleTextPlugin for this version`);
          return text.replace(from, to);
        };
        return { contents: change(text, patch), loader: 'js', resolveDir: path.dirname(args.path) };
      });
    load(/[\\/]slice-ansi[\\/]tokenize-ansi\.js$/, (text, patch) =>
      patch(
        "const GRAPHEME_SEGMENTER = new Intl.Segmenter(undefined, {granularity: 'grapheme'});",
        `import { simpleSegmenter } from ${SIMPLE_TEXT};\nconst GRAPHEME_SEGMENTER = simpleSegmenter({granularity: 'grapheme'});`,
      ),
    );
    load(/[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]tokenize\.js$/, (text, patch) =>
      patch(
        'const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });',
        `import { simpleSegmenter } from ${SIMPLE_TEXT};\nconst segmenter = simpleSegmenter({ granularity: "grapheme" });`,
      ),
    );
    load(/[\\/]string-width[\\/]index\.js$/, (text) => {
      const imports = "import stripAnsi from 'strip-ansi';\nimport {eastAsianWidth} from 'get-east-asian-width';\n";
      const entry = 'export default function stringWidth(input, options = {}) {';
      if (!text.startsWith(imports) || text.split(entry).length !== 2)
        throw new Error('string-width: its imports or its default export are not as expected; update simpleTextPlugin for this version');
      const body = text.slice(imports.length).replace(entry, 'return function stringWidth(input, options = {}) {');
      return `${imports}import { simpleWidth } from ${SIMPLE_TEXT};
let full;
const makeFull = () => {
${body}
};
${entry}
\tif (typeof input === 'string' && !options.countAnsiEscapeCodes) {
\t\tconst text = input.includes('\\u001B') || input.includes('\\u009B') ? stripAnsi(input) : input;
\t\tconst width = simpleWidth(text, options.ambiguousIsNarrow === false, eastAsianWidth);
\t\tif (width !== undefined) return width;
\t}
\treturn (full ??= makeFull())(input, options);
}
`;
    });
  },
};

const started = performance.now();
const APP = path.join(root, 'dist', 'app');
const common = {
  bundle: true,
  format: 'esm', // Ink has top-level await: CommonJS cannot hold it
  platform: 'node',
  target: 'node20',
  jsx: 'automatic',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  // Bundled CommonJS dependencies call require() for Node built-ins.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __synapseUpgradeCreateRequire } from 'node:module';\nconst require = __synapseUpgradeCreateRequire(import.meta.url);",
  },
  alias: {
    // esbuild inlines Ink's lazy devtools import and hoists `import 'react-devtools-core'` to the top level.
    'react-devtools-core': path.join(root, 'scripts', 'react-devtools-core-stub.mjs'),
    // One string-width for Ink and wrap-ansi (which nests 7.x): each copy builds an Intl.Segmenter at start-up,
    // about 10 ms apiece, and a single copy measures text the same way in layout and in wrapping.
    'string-width': path.join(root, 'node_modules', 'string-width', 'index.js'),
  },
  plugins: [embedPlugin, yogaWasmPlugin, inkCachePlugin, simpleTextPlugin],
  metafile: true,
  logLevel: 'warning',
};
const define = {
  'process.env.NODE_ENV': '"production"',
  __SYNAPSE_UPGRADE_VERSION__: JSON.stringify(pkg.version),
};
// The single file knows it is the bundle under any file name (src/system/runner.ts starts its supervisor from it).
const single = await esbuild.build({
  ...common,
  entryPoints: [values.entry ? path.resolve(values.entry) : path.join(root, 'scripts', 'bundle-entry.ts')],
  outfile,
  define: {
    ...define,
    ...(values.harness ? { __SYNAPSE_UPGRADE_SUPERVISOR__: JSON.stringify(path.join(APP, 'supervise.mjs')) } : { __SYNAPSE_UPGRADE_BUNDLE__: 'true' }),
  },
});
await chmod(outfile, 0o755);
if (values.metafile) await writeFile(`${outfile}.meta.json`, JSON.stringify(single.metafile));
const bytes = single.metafile.outputs[path.relative(process.cwd(), outfile)]?.bytes ?? Object.values(single.metafile.outputs)[0]?.bytes ?? 0;
console.log(`bundle: ${path.relative(root, outfile)} ${(bytes / 1024).toFixed(0)} KB in ${Math.round(performance.now() - started)} ms`);

// dist/app/: the same CLI in chunks; its supervisor is supervise.mjs beside them (the runner's chunk finds it there).
if (!values.outfile && !values.entry) {
  const split = performance.now();
  await rm(APP, { recursive: true, force: true });
  const app = await esbuild.build({
    ...common,
    entryPoints: { 'synapse-upgrade': path.join(root, 'scripts', 'bundle-entry.ts'), supervise: path.join(root, 'scripts', 'supervise-entry.ts') },
    outdir: APP,
    splitting: true,
    chunkNames: 'chunk-[hash]',
    outExtension: { '.js': '.mjs' },
    define: { ...define, __SYNAPSE_UPGRADE_BUNDLE__: 'true', __SYNAPSE_UPGRADE_SUPERVISOR__: '"supervise.mjs"' },
  });
  const files = Object.entries(app.metafile.outputs).filter(([name]) => name.endsWith('.mjs'));
  const kb = (name) => Math.round((app.metafile.outputs[path.relative(process.cwd(), path.join(APP, name))]?.bytes ?? 0) / 1024);
  console.log(
    `bundle: ${path.relative(root, APP)}/ ${files.length} files, synapse-upgrade.mjs ${kb('synapse-upgrade.mjs')} KB, supervise.mjs ${kb('supervise.mjs')} KB, in ${Math.round(performance.now() - split)} ms`,
  );
}
