/**
 * The entry module of a child process or thread this package starts. Running bundled (the CLI), the bundle's
 * entry of that name (src/loader/self-location.ts); else a compiled module's sibling .js; from the
 * TypeScript sources (the test suite) the sibling .ts run through tsx — unless ARACHNE_CHILDREN_FROM_DIST=1 and
 * the compiled twin exists under dist/ (the suite's global setup builds it): a child started from dist/ skips
 * compiling every module it imports, which took most of a server job's start-up CPU.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundledEntry } from './self-location.js';

export interface ChildEntry {
  /** The entry's URL. */
  url: URL;
  /** Whether it is TypeScript, to be run through tsx. */
  typescript: boolean;
}

/** `name`: the entry's file name without extension, in the directory of `moduleUrl` (the caller's import.meta.url). */
export function childEntry(moduleUrl: string, name: string): ChildEntry {
  const bundled = bundledEntry(name);
  if (bundled) return { url: bundled, typescript: false };
  if (!moduleUrl.endsWith('.ts'))
    return { url: new URL(`./${name}.js`, moduleUrl), typescript: false };
  if (process.env.ARACHNE_CHILDREN_FROM_DIST === '1') {
    const built = new URL(`./${name}.js`, moduleUrl.replace(/\/src\/(?!.*\/src\/)/, '/dist/'));
    if (existsSync(fileURLToPath(built))) return { url: built, typescript: false };
  }
  return { url: new URL(`./${name}.ts`, moduleUrl), typescript: true };
}

/** The Node flags a forked TypeScript entry needs: tsx's loader. */
export function tsxExecArgv(moduleUrl: string): string[] {
  return ['--import', pathToFileURL(createRequire(moduleUrl).resolve('tsx')).href];
}
