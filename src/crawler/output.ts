/** Tells requests from items among a handler's outputs, and refuses anything that is neither. */
import { OutputError } from '../errors.js';
import type { Item } from '../storage/sink.js';
import { createRequest, isRequest, type Request, type RequestInit, requestTag } from './request.js';

export { isRequest };

/** Makes a request a handler can yield, for URLs that do not come from the page (APIs, search forms…). */
export function request(url: string, init?: RequestInit): Request {
  return createRequest(url, init);
}

export type ClassifiedOutput = { kind: 'request'; request: Request } | { kind: 'item'; item: Item };

/**
 * Sorts one value a handler yielded or returned: a request (tagged, see `Request`) or an item (a plain object:
 * prototype `Object.prototype` or `null`). Anything else throws an `OutputError` (AR_BAD_OUTPUT) naming the
 * handler and the page, because writing it out as an item or dropping it silently would hide a spider bug.
 */
export function classifyOutput(value: unknown, handler: string, url: string): ClassifiedOutput {
  if (typeof value === 'object' && value !== null && requestTag in value) {
    const tagged = value as Record<string, unknown>;
    if (tagged[requestTag] !== 'request') {
      throw new OutputError(
        handler,
        url,
        `yielded an object whose reserved key "${requestTag}" is ${preview(tagged[requestTag])}, ` +
          `but that key marks requests ("request") only; rename it in the item`,
      );
    }
    for (const key of ['url', 'handler'] as const) {
      if (typeof tagged[key] !== 'string') {
        throw new OutputError(
          handler,
          url,
          `yielded a request without a string "${key}"; make requests with page.follow or request()`,
        );
      }
    }
    return { kind: 'request', request: value as Request };
  }
  if (isPlainObject(value)) return { kind: 'item', item: value };
  throw new OutputError(
    handler,
    url,
    `yielded ${describeValue(value)}, not an item (plain object) or a request (page.follow, request())`,
  );
}

function isPlainObject(value: unknown): value is Item {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** What a bad output is, for an error message: "a string (\"abc\")", "an instance of Date"… */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  switch (typeof value) {
    case 'string':
      return `a string (${preview(value)})`;
    case 'bigint':
      return `a bigint (${value}n)`;
    case 'number':
    case 'boolean':
      return `a ${typeof value} (${value})`;
    case 'symbol':
      return `a symbol (${value.toString()})`;
    case 'function':
      return `a function (${value.name || 'anonymous'})`;
  }
  if (isPlainObject(value)) return 'a plain object';
  if (Array.isArray(value)) return 'an array (yield* it to yield its elements)';
  if (typeof (value as { then?: unknown }).then === 'function') return 'a promise (await it)';
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== ''
    ? `an instance of ${name}`
    : 'an object with a custom prototype';
}

/** A short, quoted rendering of a bad value for the one-line message. */
function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return typeof value === 'string' ? JSON.stringify(cut) : cut;
}
