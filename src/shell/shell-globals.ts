/**
 * What a shell session has at hand: `page` (the Page API handlers get), `response`, `request`, `css()`, `xpath()`,
 * `select()` (over the current page), `fetch()`, `view()`, `help()`, and with a spider `spider` and `run()`. The same object backs the REPL and `-c EXPR`.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PrinterOutput, ResultPrinter } from '../cli/result-printer.js';
import { outputsOf } from '../crawler/handler-outputs.js';
import { classifyOutput } from '../crawler/output.js';
import type { Page } from '../crawler/page.js';
import { isRequest, type Request } from '../crawler/request.js';
import type { Spider } from '../crawler/spider.js';
import { ConfigError } from '../errors.js';
import type { Item } from '../storage/sink.js';
import { redactUrlsIn } from '../url/redact-url.js';
import type { FetchInit, PageFetcher } from './page-fetcher.js';

export interface ShellParts {
  fetcher: PageFetcher;
  /** The first page, fetched before the session opens; undefined when the shell starts without a URL. */
  page?: Page | undefined;
  spider?: Spider | undefined;
  /** Where help(), view() and run() write (the REPL's output). */
  out: PrinterOutput;
  colour: boolean;
}

/**
 * Promises the REPL waits for before it prints, although the line had no `await`: `fetch(url)` and `run()` then read
 * as in `scrapy shell`, and print the page or the results rather than `Promise { <pending> }`.
 */
export const settledBeforePrinting = new WeakSet<Promise<unknown>>();

export interface ShellGlobals {
  /**
   * Puts the shell's names into `target` (a REPL or vm context) as plain values, and keeps `page`, `response` and
   * `request` there current after each fetch(). Plain values, not getters: node:repl's tab completion does not
   * read through getters, and `page.sel<Tab>` must complete.
   */
  install(target: Record<string, unknown>): void;
}

export function shellGlobals(parts: ShellParts): ShellGlobals {
  const { fetcher, spider, out } = parts;
  let page = parts.page;
  let viewDir: string | undefined;
  const targets: Record<string, unknown>[] = [];
  const functions: Record<string, unknown> = {};
  const pageNames = () => ({ page, response: page?.response, request: page?.request });
  const setPage = (next: Page): Page => {
    page = next;
    for (const target of targets) Object.assign(target, pageNames());
    return next;
  };
  const current = (): Page => {
    if (!page) throw shortError(new ConfigError('no page yet: fetch(url) first'));
    return page;
  };

  function fetchPage(target: string | Request, init: FetchInit = {}): Promise<Page> {
    const promise = (async () => {
      const [url, fromRequest] = isRequest(target)
        ? [target.url, requestInit(target)]
        : [absolute(String(target), page?.url), {}];
      return setPage(
        await fetcher.fetch(url, { ...fromRequest, ...init }).catch((error: unknown) => {
          throw shortError(error);
        }),
      );
    })();
    settledBeforePrinting.add(promise);
    return promise;
  }

  async function save(): Promise<undefined> {
    viewDir ??= await mkdtemp(join(tmpdir(), 'arachne-shell-'));
    const file = join(viewDir, `page-${Date.now()}.html`);
    const shown = current();
    await writeFile(file, withBase(shown.text(), shown.url));
    out.write(`${file}\n`);
    return undefined;
  }

  function view(): Promise<undefined> {
    const promise = save();
    settledBeforePrinting.add(promise);
    return promise;
  }

  function help(): undefined {
    out.write(`${helpText(spider)}\n`);
    return undefined;
  }

  // Bare selectors over the current page, as `scrapy shell` users type them (`xpath('//h1/text()').get()`).
  const css: Page['css'] = (selector) => current().css(selector);
  const xpath: Page['xpath'] = (expression, options) => current().xpath(expression, options);
  const select: Page['select'] = (selector) => current().select(selector);

  Object.assign(functions, { fetch: fetchPage, view, help, css, xpath, select });
  if (spider) {
    const printer = new ResultPrinter(out, parts.colour);
    const run = (name?: string): Promise<undefined> => {
      const promise = (async () => {
        const on = current();
        return runHandler(spider, name ?? on.request.handler, on, printer);
      })();
      settledBeforePrinting.add(promise);
      return promise;
    };
    Object.assign(functions, { spider, run });
  }
  return {
    install(target) {
      targets.push(target);
      Object.assign(target, pageNames(), functions);
    },
  };
}

/** Runs one handler of the spider on the page and prints what it yielded, as `arachne parse` does. */
async function runHandler(
  spider: Spider,
  name: string,
  page: Page,
  printer: ResultPrinter,
): Promise<undefined> {
  const handler = spider.handlers[name];
  if (!handler) {
    throw shortError(
      new ConfigError(
        `spider "${spider.name}" has no handler "${name}" (it has: ${Object.keys(spider.handlers).join(', ')})`,
      ),
    );
  }
  const items: Item[] = [];
  const requests: Request[] = [];
  let failure: unknown;
  try {
    for await (const value of outputsOf(handler(page))) {
      const output = classifyOutput(value, name, page.url);
      if (output.kind === 'item') items.push(output.item);
      else requests.push(output.request);
    }
  } catch (error) {
    failure = error;
  }
  printer.print(page, name, items, requests, failure);
  return undefined;
}

/** `url` resolved against the page's URL: `fetch('/page/2')` works as a link on the page would. */
function absolute(url: string, base: string | undefined): string {
  try {
    return new URL(url, base).href;
  } catch {
    throw shortError(new ConfigError(`not a valid URL: "${url}"`));
  }
}

function requestInit(request: Request): FetchInit {
  return {
    method: request.method,
    headers: request.headers,
    handler: request.handler,
    data: request.data,
    ...(request.body !== undefined && { body: request.body }),
    ...(request.fetch !== undefined && { fetch: request.fetch }),
  };
}

/**
 * The error as one line (its code and message, credentials out of URLs): the REPL prints an error's stack, and a
 * stack through the crawler's internals says nothing to someone trying selectors.
 */
function shortError(error: unknown): Error {
  const short = error instanceof Error ? error : new Error(String(error));
  const code = (short as { code?: unknown }).code;
  short.stack = `${short.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${redactUrlsIn(short.message.split('\n')[0] ?? '')}`;
  shortErrors.add(short);
  return short;
}

/** Errors of the shell's own functions, printed as their one-line stack (display.ts). */
export const shortErrors = new WeakSet<Error>();

/** A `<base href>` so the saved copy's relative links, styles and images still point at the site. */
function withBase(html: string, url: string): string {
  if (/<base\s/i.test(html)) return html;
  const base = `<base href="${url.replace(/"/g, '&quot;')}">`;
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (!head) return `${base}\n${html}`;
  const at = head.index + head[0].length;
  return `${html.slice(0, at)}${base}${html.slice(at)}`;
}

export function helpText(spider: Spider | undefined): string {
  const lines = [
    'Available in this shell:',
    '  page                 the page, with the API handlers get: page.css("h1::text").get(), page.xpath("//a/@href")',
    '                       .getAll(), page.select("li"), page.text("h1"), page.attr("a", "href"), page.links(),',
    '                       page.json(), page.follow(href), page.status, page.headers, page.url',
    '  response, request    page.response (status, headers, body, text, timings) and page.request',
    '  css(sel), xpath(expr), select(sel)',
    '                       the same on the current page: xpath("//h1/text()").get(), css("a::attr(href)").getAll()',
    '  fetch(url | request, { handler, method, headers, body, data })',
    '                       fetch another page through the same download chain; it becomes `page`',
    '                       (a relative URL is resolved against the page; await it, or not: the shell waits)',
    '  view()               save the page HTML to a temporary file and print its path',
  ];
  if (spider) {
    lines.push(
      `  spider               the spider "${spider.name}" (handlers: ${Object.keys(spider.handlers).join(', ')})`,
      "  run(handler?)        run a handler on the page (default: the page's own, else parse) and print its items",
      '                       and requests, as `arachne parse` does',
    );
  }
  lines.push('  help()               this list', '  .exit or Ctrl-D      leave');
  return lines.join('\n');
}
