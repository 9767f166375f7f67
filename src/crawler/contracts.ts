/**
 * Spider contracts (Scrapy's contracts, as data): per handler, pages it is expected to handle and what it should
 * produce there. Checked when the spider is defined; run by `arachne check` (cli/commands/check.ts).
 */
import { ConfigError } from '../errors.js';
import { type FetchMode, fetchModeOf, type JsonObject } from './request.js';
import { rejectUnknownKeys } from './unknown-keys.js';

/** An exact count, or `[min, max]` inclusive; `max` Infinity or null means "at least min". */
export type CountExpectation = number | readonly [number, number | null];

/** One page a handler is expected to handle, and what it should yield there. */
export interface Contract {
  /** The page: an absolute http(s) URL. */
  url: string;
  /** Given to the handler as `page.request.data`. */
  data?: JsonObject;
  /** How many items and requests the handler yields on the page. Unchecked when absent. */
  returns?: { items?: CountExpectation; requests?: CountExpectation };
  /** Fields every item must have, not null and not empty. */
  scrapes?: readonly string[];
  /** The rung that fetches the page (as a request's `fetch`). */
  fetch?: FetchMode;
}

/** Contracts by handler name. */
export type Contracts<K extends string = string> = Readonly<
  Partial<Record<K, readonly Contract[]>>
>;

/** An inclusive range of counts; `max` is Infinity for "at least". */
export interface CountRange {
  min: number;
  max: number;
}

/** A contract as `arachne check` runs it: validated, its counts as ranges, with its handler. */
export interface CheckedContract {
  handler: string;
  url: string;
  data: JsonObject;
  items?: CountRange;
  requests?: CountRange;
  scrapes: readonly string[];
  fetch?: FetchMode;
}

const contractKeys = new Set<string>([
  'url',
  'data',
  'returns',
  'scrapes',
  'fetch',
] satisfies (keyof Contract)[]);
const returnsKeys = new Set<string>(['items', 'requests']);

/**
 * Validates a spider's `contracts`: every key a handler of the spider, every contract well formed. Throws a
 * ConfigError naming the handler, the contract's position and what is wrong.
 */
export function checkContracts(
  given: unknown,
  handlers: Readonly<Record<string, unknown>>,
  where: string,
): Record<string, readonly Contract[]> {
  if (!isPlainObject(given)) {
    throw new ConfigError(`contracts of ${where} must be an object of handler name → contracts`);
  }
  for (const name of Object.keys(given)) {
    if (!(name in handlers)) {
      const known = Object.keys(handlers).join(', ') || 'none';
      throw new ConfigError(
        `contracts of ${where} name the handler "${name}", which the spider does not have (it has: ${known})`,
      );
    }
  }
  const checked: Record<string, readonly Contract[]> = {};
  for (const [name, list] of Object.entries(given)) {
    if (!Array.isArray(list)) {
      throw new ConfigError(`contracts.${name} of ${where} must be a list of contracts`);
    }
    checked[name] = list.map((contract, index) =>
      checkContract(contract, `contracts.${name}[${index}] of ${where}`),
    );
  }
  return checked;
}

function checkContract(contract: unknown, at: string): Contract {
  if (!isPlainObject(contract)) throw new ConfigError(`${at} must be an object with a url`);
  rejectUnknownKeys(contract, contractKeys, at);
  const { url, data, returns, scrapes } = contract as Partial<Contract>;
  if (typeof url !== 'string') throw new ConfigError(`${at}: url is required (an http(s) URL)`);
  checkUrl(url, at);
  if (data !== undefined && !isPlainObject(data)) {
    throw new ConfigError(
      `${at}: data must be an object (given to the handler as page.request.data)`,
    );
  }
  if (returns !== undefined) {
    if (!isPlainObject(returns))
      throw new ConfigError(`${at}: returns must be { items?, requests? }`);
    rejectUnknownKeys(returns, returnsKeys, `returns of ${at}`);
    for (const key of ['items', 'requests'] as const) {
      const expected = returns[key];
      if (expected !== undefined) countRange(expected, `${at}: returns.${key}`);
    }
  }
  if (
    scrapes !== undefined &&
    !(
      Array.isArray(scrapes) &&
      scrapes.every((field) => typeof field === 'string' && field.trim() !== '')
    )
  ) {
    throw new ConfigError(`${at}: scrapes must be a list of field names, e.g. ['title', 'price']`);
  }
  fetchModeOf(contract as { fetch?: FetchMode }, at);
  return contract as unknown as Contract;
}

function checkUrl(url: string, at: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${at}: url "${url}" is not an absolute URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`${at}: url "${url}" must be http: or https:`);
  }
}

/** `N` → N..N, `[min, max]` → min..max, `[min, null]` or `[min, Infinity]` → at least min. */
export function countRange(expected: CountExpectation, at: string): CountRange {
  const count = (value: unknown) => Number.isInteger(value) && (value as number) >= 0;
  if (typeof expected === 'number') {
    if (!count(expected)) {
      throw new ConfigError(`${at} must be a whole number ≥ 0 or [min, max] (got ${expected})`);
    }
    return { min: expected, max: expected };
  }
  if (!Array.isArray(expected) || expected.length !== 2) {
    throw new ConfigError(
      `${at} must be a whole number or [min, max] (got ${JSON.stringify(expected)})`,
    );
  }
  const [min, max] = expected as [unknown, unknown];
  const upper = max === null || max === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : max;
  if (!count(min) || !(upper === Number.POSITIVE_INFINITY || count(upper))) {
    throw new ConfigError(
      `${at}: [min, max] takes whole numbers ≥ 0, max null or Infinity for "at least min" (got [${String(min)}, ${String(max)}])`,
    );
  }
  if ((upper as number) < (min as number)) {
    throw new ConfigError(`${at}: max ${String(max)} is below min ${String(min)}`);
  }
  return { min: min as number, max: upper as number };
}

/** Every contract of a spider, flattened in declaration order, with counts as ranges. */
export function contractsToRun(
  contracts: Readonly<Record<string, readonly Contract[] | undefined>> | undefined,
): CheckedContract[] {
  const all: CheckedContract[] = [];
  for (const [handler, list] of Object.entries(contracts ?? {})) {
    for (const contract of list ?? []) {
      const at = `contract of ${handler} for ${contract.url}`;
      const run: CheckedContract = {
        handler,
        url: contract.url,
        data: contract.data ?? {},
        scrapes: contract.scrapes ?? [],
      };
      if (contract.returns?.items !== undefined)
        run.items = countRange(contract.returns.items, `${at}: returns.items`);
      if (contract.returns?.requests !== undefined)
        run.requests = countRange(contract.returns.requests, `${at}: returns.requests`);
      if (contract.fetch !== undefined) run.fetch = contract.fetch;
      all.push(run);
    }
  }
  return all;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
