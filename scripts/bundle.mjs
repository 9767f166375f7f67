// Bundles the compiled tree (dist/, from tsc) into dist/bundle/: the CLI and the processes and threads it starts
// load a few files instead of ~250 modules, about half the CPU of a one-page crawl (measured in
// docs/benchmarks.md, Start-up time). The library (package "exports") stays the compiled tree.
//
// Every output file sits directly in dist/bundle/, so each module's `import.meta.url` is rewritten to the URL of
// its own compiled file (relative to the output file): paths it resolves next to itself (package.json, the
// dashboard, examples/) stay right. src/loader/self-location.ts alone keeps the bundle's URL, and ARACHNE_BUNDLED
// tells it it is bundled, so that spiders' `import 'arachne'` and child entries reach the bundle's own files.
import { rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const outdir = join(dist, 'bundle');

// Packages on a crawl's start-up path, bundled in; every other package (native addons, the browser driver,
// database clients, packages loaded on first use) stays a normal import from node_modules. undici too: the
// transport loads its parts with require() (src/http/undici-parts.ts), which must all be one copy of undici.
const bundled = new Set([
  'boolbase',
  'css-select',
  'css-what',
  'dom-serializer',
  'domelementtype',
  'domhandler',
  'domutils',
  'entities',
  'htmlparser2',
  'nth-check',
  'tldts',
  'tldts-core',
  'tough-cookie',
]);

const packageName = (specifier) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];

const builtins = new Set(builtinModules);

/** @type {esbuild.Plugin} */
const layout = {
  name: 'arachne-bundle-layout',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || builtins.has(args.path)) return { external: true };
      return bundled.has(packageName(args.path)) ? undefined : { external: true };
    });
    build.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(dist + sep) || args.path.endsWith(`${sep}self-location.js`)) return;
      const source = await readFile(args.path, 'utf8');
      const own = relative(outdir, args.path).split(sep).join('/');
      return {
        contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(own)}, import.meta.url).href`),
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

rmSync(outdir, { recursive: true, force: true }); // no chunk of an earlier build left behind
await esbuild.build({
  absWorkingDir: root,
  entryPoints: {
    index: 'dist/index.js',
    http: 'dist/http/index.js',
    html: 'dist/html/index.js',
    storage: 'dist/storage/index.js',
    cache: 'dist/cache/index.js',
    distributed: 'dist/distributed/index.js',
    main: 'dist/cli/main.js',
    'job-process': 'dist/server/job-process.js',
    'server-process': 'dist/sample-shop/server-process.js',
    worker: 'dist/crawler/threads/worker.js',
  },
  outdir,
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  define: { ARACHNE_BUNDLED: 'true' },
  plugins: [layout],
  logLevel: 'warning',
});

// The script rung's context prelude (linkedom bundled for a bare isolate), built once here instead of by every
// crawl that runs page scripts (src/script/bundle.ts).
const { buildPrelude, PRELUDE_FILE } = await import('../dist/script/bundle.js');
writeFileSync(join(dist, 'script', PRELUDE_FILE), await buildPrelude());
