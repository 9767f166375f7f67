/** Loads a user's spider file (.ts or .js) with no build step on their side, with one-line errors. */
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { isSpider, type Spider } from '../crawler/spider.js';
import { ConfigError } from '../errors.js';

export async function loadSpider(path: string): Promise<Spider> {
  const file = resolve(path);
  const name = basename(file);
  if (!existsSync(file)) throw new ConfigError(`${path}: no such spider file`);
  registerArachneResolver();
  let module: { default?: unknown };
  try {
    module = (await tsImport(pathToFileURL(file).href, import.meta.url)) as { default?: unknown };
  } catch (error) {
    throw new ConfigError(`${name}: ${describeLoadError(error)}`, { cause: error });
  }
  // tsx may wrap a CommonJS-style module's exports in a second `default`.
  let spider = module.default;
  if (!isSpider(spider) && isObject(spider) && 'default' in spider) spider = spider.default;
  if (spider === undefined) {
    throw new ConfigError(`${name}: no default export (write \`export default defineSpider({...})\`)`);
  }
  if (!isSpider(spider)) {
    throw new ConfigError(`${name}: the default export is not a spider (use defineSpider({ name, start, parse }))`);
  }
  if (Object.keys(spider.handlers).length === 0) {
    throw new ConfigError(`${name}: spider "${spider.name}" has no handlers (define at least parse(page))`);
  }
  if (!('parse' in spider.handlers) && startsWithPlainUrls(spider)) {
    throw new ConfigError(`${name}: spider "${spider.name}" has start URLs but no parse handler`);
  }
  return spider;
}

let resolverRegistered = false;

function registerArachneResolver(): void {
  // From TypeScript sources (tests) the hook would need a loader itself; self-reference covers that case.
  if (resolverRegistered || import.meta.url.endsWith('.ts')) return;
  resolverRegistered = true;
  const hook = new URL('./resolve-arachne.js', import.meta.url);
  // Any file inside the package works as a parent for self-referencing 'arachne'.
  register(hook, { data: { selfUrl: import.meta.url } });
}

function startsWithPlainUrls(spider: Spider): boolean {
  return typeof spider.start === 'string' || Array.isArray(spider.start);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** esbuild's and Node's errors span many lines; keep the first meaningful one with its position. */
function describeLoadError(error: unknown): string {
  const err = error as { message?: string; errors?: Array<{ text: string; location?: { line: number; column: number } }> };
  const first = err.errors?.[0];
  if (first) {
    const at = first.location ? ` (line ${first.location.line}, column ${first.location.column + 1})` : '';
    return `syntax error: ${first.text}${at}`;
  }
  const message = (err.message ?? String(error)).split('\n').find((line) => line.trim() !== '') ?? 'failed to load';
  if (error instanceof SyntaxError) return `syntax error: ${message}`;
  return message.replace(/^Transform failed with \d+ errors?:\s*/, 'syntax error: ');
}
