/** Loads a user's spider file (.ts or .js) with no build step on their side, with one-line errors. */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isSpider, type Spider } from '../crawler/spider.js';
import { ConfigError } from '../errors.js';
import { importCompiled } from './compile-cache.js';
import { provideSelf } from './provide-self.js';
import { rememberSpiderFile } from './spider-files.js';

export async function loadSpider(path: string): Promise<Spider> {
  const file = resolve(path);
  const name = basename(file);
  if (!existsSync(file)) throw new ConfigError(`${path}: no such spider file`);
  // With source maps on, a top-level throw in a TypeScript spider points at the .ts line, not the compiled one.
  process.setSourceMapsEnabled(true);
  let module: Record<string, unknown>;
  try {
    module = (await importCompiled(file)) ?? (await importWithTsx(file));
  } catch (error) {
    throw new ConfigError(describeLoadError(error, path, file, name), { cause: error });
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
  rememberSpiderFile(spider, file);
  return spider;
}

/** The general way, for spiders the compile cache leaves out: tsx, with `arachne` provided to the spider. */
async function importWithTsx(file: string): Promise<Record<string, unknown>> {
  await provideSelf();
  // Loaded on use: tsx and its esbuild service cost more start-up than a cached spider's whole load.
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
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

/**
 * esbuild's and Node's errors span many lines; keep the first meaningful one, prefixed with `file:line:column`
 * (1-based, as editors and terminals link them) when the error says where in the spider file it happened.
 */
function describeLoadError(error: unknown, path: string, file: string, name: string): string {
  const err = error as {
    message?: string;
    stack?: string;
    errors?: Array<{ text: string; location?: { line: number; column: number } | null }>;
  };
  const first = err.errors?.[0];
  if (first) {
    const at = first.location
      ? `${path}:${first.location.line}:${first.location.column + 1}`
      : name;
    return `${at}: syntax error: ${first.text}`;
  }
  const message = err.message ?? String(error);
  // tsx reports esbuild's failure as "Transform failed with 1 error:\n/abs/file.ts:2:10: ERROR: Unexpected ";"".
  const esbuild = /^(.*):(\d+):(\d+): ERROR: (.*)$/m.exec(message);
  if (esbuild && message.startsWith('Transform failed')) {
    const [, failed, line, column, text] = esbuild;
    // The failing file may be a module the spider imports: name that one.
    const at = failed === undefined || resolve(failed) === file ? path : failed;
    return `${at}:${line}:${Number(column) + 1}: syntax error: ${text}`;
  }
  const firstLine = message.split('\n').find((line) => line.trim() !== '') ?? 'failed to load';
  const where = positionInStack(err.stack, file);
  const at = where ? `${path}:${where}` : name;
  if (error instanceof SyntaxError) return `${at}: syntax error: ${firstLine}`;
  return `${at}: ${firstLine}`;
}

/** `line:column` of the first stack frame in the spider file itself (source-mapped to the .ts), if any. */
function positionInStack(stack: string | undefined, file: string): string | undefined {
  if (!stack) return undefined;
  const fileUrl = pathToFileURL(file).href;
  for (const frame of stack.split('\n').slice(1)) {
    for (const prefix of [file, fileUrl]) {
      const at = frame.indexOf(`${prefix}:`);
      if (at === -1) continue;
      const position = /^:(\d+):(\d+)\)?$/.exec(frame.slice(at + prefix.length).trim());
      if (position) return `${position[1]}:${position[2]}`;
    }
  }
  return undefined;
}
