/**
 * How the shell prints a value: a page, a response or an element as one short line instead of util.inspect's walk
 * through a parsed DOM (thousands of lines, circular); everything else as util.inspect prints it.
 */
import { inspect } from 'node:util';
import { Page } from '../crawler/page.js';
import { HtmlElement } from '../html/index.js';
import { redactUrl } from '../url/redact-url.js';
import { shortErrors } from './shell-globals.js';

const maxHtml = 200;

class Shown {
  constructor(private readonly text: string) {}
  [inspect.custom](): string {
    return this.text;
  }
}

function isResponse(value: object): value is { status: number; url: string; body: Buffer } {
  const candidate = value as { status?: unknown; url?: unknown; body?: unknown; timings?: unknown };
  return (
    typeof candidate.status === 'number' &&
    typeof candidate.url === 'string' &&
    Buffer.isBuffer(candidate.body) &&
    typeof candidate.timings === 'object'
  );
}

function brief(value: unknown): unknown {
  if (value instanceof Page) {
    return new Shown(`<Page ${value.status} ${redactUrl(value.url)} (${value.body.length} bytes)>`);
  }
  if (value instanceof HtmlElement) {
    const html = value.html();
    return new Shown(
      `<${value.tag}> ${JSON.stringify(html.length > maxHtml ? `${html.slice(0, maxHtml)}…` : html)}`,
    );
  }
  if (typeof value === 'object' && value !== null && isResponse(value)) {
    return new Shown(
      `<Response ${value.status} ${redactUrl(value.url)} (${value.body.length} bytes)>`,
    );
  }
  return value;
}

/**
 * The REPL's writer. Arrays (a Selection, css()/xpath() Matches) keep their class name and show each element briefly.
 * @param raw print a string as is, not quoted (`-c EXPR`, like `scrapy shell -c`)
 */
export function display(value: unknown, options: { colors: boolean; raw?: boolean }): string {
  if (options.raw && typeof value === 'string') return value;
  // The REPL prints an uncaught error through its writer too.
  if (value instanceof Error && shortErrors.has(value)) return value.stack ?? value.message;
  const shown =
    Array.isArray(value) && value.some((entry) => entry instanceof HtmlElement)
      ? Object.setPrototypeOf(value.map(brief), Object.getPrototypeOf(value))
      : brief(value);
  return inspect(shown, { colors: options.colors, depth: 4 });
}
