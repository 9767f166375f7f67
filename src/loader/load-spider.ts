/** Loads a user's spider file (.ts or .js) with no build step on their side, with one-line errors. */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { isSpider, type Spider } from '../crawler/spider.js';
import { ConfigError } from '../errors.js';
import { provideSelf } from './provide-self.js';

export async function loadSpider(path: string): Promise<Spider> {
  const file = resolve(path);
  const name = basename(file);
  if (!existsSync(file)) throw new ConfigError(`${path}: no such spider file`);
  await provideSelf();
  let module: Record<string, unknown>;
  try {
    module = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`${name}: ${describeLoadError(error)}`, { cause: error });
  }
  const spider = defaultExport(module);
  if (spider === undefined) {
    throw new ConfigError(
      `${name}: no default export (write \`export default defineSpider({...})\`)`,
    );
  }
  if (!isSpider(spider)) {
    throw new ConfigError(
      `${name}: the default export is not a spider (use defineSpider({ name, start, parse }))`,
    );
  }
  if (Object.keys(spider.handlers).length === 0) {
    throw new ConfigError(
      `${name}: spider "${spider.name}" has no handlers (define at least parse(page))`,
    );
  }
  if (!('parse' in spider.handlers) && startsWithPlainUrls(spider)) {
    throw new ConfigError(`${name}: spider "${spider.name}" has start URLs but no parse handler`);
  }
  return spider;
}

function startsWithPlainUrls(spider: Spider): boolean {
  return typeof spider.start === 'string' || Array.isArray(spider.start);
}

/**
 * tsx runs some spiders as CommonJS; their module namespace then has `default` = the exports object, with the
 * real default export (if any) one level down.
 */
function defaultExport(module: Record<string, unknown>): unknown {
  const outer = module.default;
  if (!isObject(outer) || isSpider(outer)) return outer;
  if ('default' in outer) return outer.default;
  const named = Object.keys(module).filter((key) => key !== 'default' && key !== 'module.exports');
  const isExportsObject = named.length > 0 && named.every((key) => outer[key] === module[key]);
  return isExportsObject ? undefined : outer;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** esbuild's and Node's errors span many lines; keep the first meaningful one with its position. */
function describeLoadError(error: unknown): string {
  const err = error as {
    message?: string;
    errors?: Array<{ text: string; location?: { line: number; column: number } }>;
  };
  const first = err.errors?.[0];
  if (first) {
    const at = first.location
      ? ` (line ${first.location.line}, column ${first.location.column + 1})`
      : '';
    return `syntax error: ${first.text}${at}`;
  }
  const message =
    (err.message ?? String(error)).split('\n').find((line) => line.trim() !== '') ??
    'failed to load';
  if (error instanceof SyntaxError) return `syntax error: ${message}`;
  return message.replace(/^Transform failed with \d+ errors?:\s*/, 'syntax error: ');
}
