/** Crawl options: the types, the defaults and the resolver, all derived from the table in option-specs.ts. */

import { ConfigError } from '../errors.js';
import { parseProxyUrl } from '../http/proxy.js';
import {
  type AnySpec,
  accepts,
  durationMs,
  mustBe,
  type OptionKey,
  type OptionsFromSpecs,
  optionSpecs,
  type ResolvedFromSpecs,
} from './option-specs.js';
import { rejectUnknownKeys } from './unknown-keys.js';

/**
 * What crawl(), createCrawler() and `spider.options` accept. Every option, with its default, bounds and meaning,
 * is declared once in `optionSpecs` (option-specs.ts) and listed in README's options table.
 */
export interface CrawlOptions extends OptionsFromSpecs {}

/** The options after resolution: every option with a default has a value. */
export interface ResolvedOptions extends Omit<ResolvedFromSpecs, 'userAgent'> {
  /** Always set: the default (`arachne/<version>`) is computed by the caller of resolveOptions. */
  userAgent: string;
}

export type LogLevel = ResolvedOptions['logLevel'];

type Defaults = {
  [K in OptionKey as undefined extends ResolvedFromSpecs[K] ? never : K]: ResolvedFromSpecs[K];
};

/** Single source of the defaults (Scrapy's default_settings.py, ky's NormalizedOptions), read off the table. */
export const defaults: Readonly<Defaults> = Object.freeze(
  Object.fromEntries(
    specEntries()
      .filter(([, spec]) => spec.default !== undefined)
      .map(([key, spec]) => [key, spec.default]),
  ) as Defaults,
);

function specEntries(): Array<[OptionKey, AnySpec]> {
  return Object.entries(optionSpecs) as Array<[OptionKey, AnySpec]>;
}

/** Merges option layers; later layers win: defaults < spider.options < crawl() options < CLI flags. */
export function resolveOptions(
  userAgentDefault: string,
  ...layers: Array<CrawlOptions | undefined>
): ResolvedOptions {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!layer) continue;
    rejectUnknownKeys(layer, optionKeys, 'crawl options');
    replaceOutput(merged, layer);
    for (const [key, value] of Object.entries(layer)) {
      if (value !== undefined) merged[key] = value;
    }
  }
  const resolved: Record<string, unknown> = { ...merged };
  for (const [key, spec] of specEntries()) {
    const value = merged[key];
    if (value === undefined) {
      resolved[key] = spec.default;
      continue;
    }
    if (!accepts(spec, value)) throw new ConfigError(mustBe(key, spec, value));
    if (spec.kind === 'fields') resolved[key] = resolveFields(key, spec.fields, value as object);
    if (spec.kind === 'toggle') resolved[key] = resolveToggle(key, spec.fields, value as object);
    if (spec.kind === 'duration') resolved[key] = durationMs(value);
  }
  resolved.userAgent ??= userAgentDefault;
  const options = resolved as unknown as ResolvedOptions;
  if (options.state && options.frontier) {
    throw new ConfigError(
      'use either a state file (state) or a shared frontier (frontier), not both',
    );
  }
  if (options.proxy !== undefined) {
    // socks5:// is the one kind whose target names are resolved here, where the egress guard sees them.
    if (parseProxyUrl(options.proxy).protocol !== 'socks5:' && !options.allowPrivate) {
      throw new ConfigError(
        'a proxy cannot be combined with allowPrivate: false (--deny-private): the proxy connects by itself, ' +
          'where the egress guard cannot see it',
      );
    }
  }
  checkSessionOptions(options);
  checkAutoThrottle(options);
  return options;
}

/** A concurrency range that is empty would leave the throttle nothing to choose from. */
function checkAutoThrottle({ autothrottle }: ResolvedOptions): void {
  if (!autothrottle) return;
  const { minConcurrency, maxConcurrency } = autothrottle;
  if (maxConcurrency !== undefined && minConcurrency > maxConcurrency) {
    throw new ConfigError(
      `autothrottle.minConcurrency (${minConcurrency}) must not exceed autothrottle.maxConcurrency (${maxConcurrency})`,
    );
  }
}

/**
 * `output` (appends) and `overwriteOutput` (replaces) name the same thing, the output: a layer that sets one
 * replaces the other from earlier layers (`-O x.jsonl` on the CLI wins over a spider's `output`), and one layer
 * setting both is a mistake.
 */
function replaceOutput(merged: Record<string, unknown>, layer: CrawlOptions): void {
  const { output, overwriteOutput } = layer;
  if (output !== undefined && overwriteOutput !== undefined) {
    throw new ConfigError(
      'give either output (-o, appends to an existing file) or overwriteOutput (-O, replaces it), not both',
    );
  }
  if (output !== undefined) delete merged.overwriteOutput;
  if (overwriteOutput !== undefined) delete merged.output;
}

/** Proxies parse, one way of giving them, statuses are statuses, and the SSRF guard is not silently bypassed. */
function checkSessionOptions(options: ResolvedOptions): void {
  const { proxies, proxyTiers } = options;
  if (proxies !== undefined && proxyTiers !== undefined) {
    throw new ConfigError('give either proxies (a list or a function) or proxyTiers, not both');
  }
  if (proxies !== undefined && options.proxy !== undefined) {
    throw new ConfigError(
      'give either proxy (one for the whole crawl) or proxies (rotated), not both',
    );
  }
  const listed =
    typeof proxies === 'function' ? [] : [...(proxies ?? []), ...(proxyTiers ?? []).flat()];
  for (const proxy of listed) {
    const url = parseProxyUrl(proxy);
    if (!options.allowPrivate && url.protocol !== 'socks5:') {
      throw new ConfigError(
        `allowPrivate: false (--deny-private) can only be kept through socks5:// proxies (names resolved and checked here); ${url.protocol}// proxies resolve names themselves`,
      );
    }
  }
  if (proxyTiers?.length === 0) throw new ConfigError('proxyTiers must have at least one tier');
  for (const status of options.blockedStatuses) {
    if (status < 100 || status > 599) {
      throw new ConfigError(`blockedStatuses must be HTTP statuses (100–599), got ${status}`);
    }
  }
}

const optionKeys: ReadonlySet<string> = new Set(Object.keys(optionSpecs));

/**
 * A toggle (`autothrottle`): false is off (undefined); true or an object is on, with the given settings over the
 * defaults. Unlike `traps`, an unknown setting is refused: a misspelt one would silently leave its default.
 */
function resolveToggle(
  key: string,
  fields: Readonly<Record<string, AnySpec>>,
  given: boolean | object,
): Record<string, unknown> | undefined {
  if (given === false) return undefined;
  if (given === true) return resolveFields(key, fields, {});
  rejectUnknownKeys(given, new Set(Object.keys(fields)), key);
  return resolveFields(key, fields, given);
}

/** `traps`: the given budgets over the defaults, each checked by its own rule (`traps.maxUrlLength must be …`). */
function resolveFields(
  key: string,
  fields: Readonly<Record<string, AnySpec>>,
  given: object,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(fields)) result[field] = spec.default;
  for (const [field, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const spec = fields[field];
    if (spec && !accepts(spec, value))
      throw new ConfigError(mustBe(`${key}.${field}`, spec, value));
    result[field] = value;
  }
  return result;
}
