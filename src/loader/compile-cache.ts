/**
 * The fast way to load a spider: its TypeScript compiled once by esbuild into an ES module in a cache directory,
 * then imported as plain JavaScript on every later run. tsx (the general way) starts a module-hooks thread and an
 * esbuild service on every run, a third of a one-page crawl's start-up; a cache hit needs neither, nor esbuild.
 *
 * Only spiders whose meaning cannot change by moving the code are compiled here: the entry and its relative
 * imports are bundled into one file, and the file imports only Node built-ins and `arachne` (rewritten to this
 * very copy of Arachne, the one the engine uses). Anything else (another package, which would resolve from the
 * cache directory instead of the spider's; `import.meta`, `require`, `__dirname`, which would see the cache
 * file; a compile error, which tsx reports in its own words) answers `undefined`, and the caller uses tsx.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { selfModuleUrl } from './self-location.js';

/** Bumped when the compiled output's shape changes, so old cache entries are not reused. */
const FORMAT = 1;

/** Source text that means the code looks at where it sits on disk, or loads modules outside the bundle. */
const LOCATION_DEPENDENT = /\bimport\.meta\b|\brequire\s*\(|\b__dirname\b|\b__filename\b/;

/** What a cache entry remembers: every input file and its content hash, to tell a stale entry. */
interface Manifest {
  inputs: Record<string, string>;
}

/** `$ARACHNE_CACHE_DIR`, else `$XDG_CACHE_HOME/arachne`, else `~/.cache/arachne`; spiders go in `spiders/`. */
export function spiderCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const root =
    env.ARACHNE_CACHE_DIR ||
    (env.XDG_CACHE_HOME
      ? join(env.XDG_CACHE_HOME, 'arachne')
      : join(homedir(), '.cache', 'arachne'));
  return join(root, 'spiders');
}

/**
 * The spider module, loaded from the cache (compiled first if the entry is missing or any input changed), or
 * `undefined` when this spider is one for tsx. Errors thrown while the module runs (a top-level throw) propagate.
 */
export async function importCompiled(file: string): Promise<Record<string, unknown> | undefined> {
  // From TypeScript sources (the tests) there is no dist/ module to point `arachne` at.
  if (import.meta.url.endsWith('.ts')) return undefined;
  const entry = cacheEntry(file);
  const version = freshVersion(entry.manifest) ?? (await compile(file, entry));
  if (version === undefined) return undefined;
  // The version in the URL makes a process that loads the spider again after an edit (the server rescanning a
  // project) get the new module, not the one Node already holds for this path.
  const url = `${pathToFileURL(entry.module).href}?v=${version}`;
  return (await import(url)) as Record<string, unknown>;
}

interface CacheEntry {
  module: string;
  manifest: string;
}

function cacheEntry(file: string): CacheEntry {
  // One entry per spider path, per esbuild, per copy of Arachne (the output names its modules' paths).
  const key = createHash('sha256')
    .update(`${FORMAT}\0${esbuildVersion()}\0${selfModuleUrl('arachne')}\0${file}`)
    .digest('hex')
    .slice(0, 32);
  const dir = spiderCacheDir();
  return { module: join(dir, `${key}.mjs`), manifest: join(dir, `${key}.json`) };
}

function esbuildVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('esbuild/package.json') as { version: string }).version;
}

function hashOf(path: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
}

/** A short hash naming the entry's content when every input is unchanged since it was compiled. */
function freshVersion(manifestPath: string): string | undefined {
  let text: string;
  let manifest: Manifest;
  try {
    text = readFileSync(manifestPath, 'utf8');
    manifest = JSON.parse(text) as Manifest;
  } catch {
    return undefined;
  }
  const inputs = Object.entries(manifest.inputs ?? {});
  const fresh = inputs.length > 0 && inputs.every(([path, hash]) => hashOf(path) === hash);
  return fresh ? versionOf(text) : undefined;
}

function versionOf(manifestText: string): string {
  return createHash('sha256').update(manifestText).digest('hex').slice(0, 16);
}

/**
 * Compiles `file` into the cache entry and returns the entry's version; undefined when the spider is not one for
 * this path (see the top).
 */
async function compile(file: string, entry: CacheEntry): Promise<string | undefined> {
  const esbuild = await import('esbuild');
  compiling++;
  try {
    return await compileWith(esbuild.build, file, entry);
  } finally {
    // esbuild's service process (tens of MB) would otherwise stay up for the rest of the crawl; the last of
    // concurrent compiles (a server loading a project's spiders) stops it, and a later build starts a fresh one.
    if (--compiling === 0) await esbuild.stop();
  }
}

/** Compiles running in this process: see `compile`. */
let compiling = 0;

async function compileWith(
  build: typeof import('esbuild').build,
  file: string,
  entry: CacheEntry,
): Promise<string | undefined> {
  let foreign = false;
  const resolveBare: Plugin = {
    name: 'arachne-bare-imports',
    setup(builder) {
      // Bare specifiers only: relative and absolute paths are bundled.
      builder.onResolve({ filter: /^[^./]/ }, (args) => {
        const self = selfModuleUrl(args.path);
        if (self !== undefined) return { path: self, external: true };
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        foreign = true;
        return { path: args.path, external: true };
      });
    },
  };
  let result: Awaited<ReturnType<typeof build>>;
  try {
    result = await build({
      entryPoints: [file],
      absWorkingDir: dirname(file),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node}`,
      // Inline, with the sources' absolute paths: stack traces and load errors point at the .ts lines.
      sourcemap: 'inline',
      sourceRoot: '',
      sourcesContent: false,
      outfile: entry.module,
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [resolveBare],
    });
  } catch {
    return undefined;
  }
  const output = result.outputFiles?.find((out) => out.path.endsWith('.mjs'));
  if (foreign || !output) return undefined;
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(result.metafile?.inputs ?? {})) {
    const path = resolve(dirname(file), input);
    const text = readFileSync(path, 'utf8');
    if (LOCATION_DEPENDENT.test(text)) return undefined;
    inputs[path] = createHash('sha256').update(text).digest('hex');
  }
  const manifest = JSON.stringify({ inputs } satisfies Manifest);
  try {
    mkdirSync(dirname(entry.module), { recursive: true });
    // Written aside and renamed, so a concurrent run never imports half a file; the manifest goes last.
    writeAtomically(entry.module, output.text);
    writeAtomically(entry.manifest, manifest);
  } catch {
    return undefined; // an unwritable cache directory: tsx still works
  }
  return versionOf(manifest);
}

function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
