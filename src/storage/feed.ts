/**
 * Feeds, after Scrapy's FEEDS setting: several outputs at once, each with its own field list, format, overwrite
 * flag and rotation. `parseFeedTarget` reads the compact form an output string may carry on the CLI:
 * `items.csv:fields=title,price:overwrite:rotate=1000`.
 */
import { ConfigError } from '../errors.js';

/** How a feed is split into parts: a new file once the current one holds `items` items or `bytes` bytes. */
export interface RotateOptions {
  /** Items per part. */
  items?: number;
  /** Bytes per part: a number, or a size such as `10MB`, `512KB`, `1GB` (powers of 1024). */
  bytes?: number | string;
}

/** The options of one feed (crawl option `feeds: { 'items.csv': { fields: ['title'] } }`). */
export interface FeedOptions {
  /** Only these item fields, in this order (also the CSV columns and their order). @default every field */
  fields?: readonly string[];
  /** The format, when the name does not say it: jsonl, json, csv, xml, jsonl.gz, csv.gz, parquet, sqlite. */
  format?: string;
  /** Replace an existing file instead of adding to it (like -O, for this feed). @default false */
  overwrite?: boolean;
  /** Split the feed into parts (file outputs only). @default undefined (one file) */
  rotate?: RotateOptions;
}

/** A feed with its rotation limits resolved to numbers. */
export interface FeedSpec {
  /** The output as given, placeholders included (the key of its export mark in a state file). */
  output: string;
  fields?: readonly string[];
  format?: string;
  overwrite: boolean;
  rotate?: { items?: number; bytes?: number };
}

const optionKeys = ['fields', 'format', 'overwrite', 'rotate', 'rotate-size'] as const;
/**
 * One trailing `:key=value` or `:key` segment. Values cannot hold `/`, `\`, `@` or `:`, so a Windows path
 * (`C:\x`), `sqlite:PATH` and `postgres://user:pass@host` are never read as options.
 */
const segment = new RegExp(`^(${optionKeys.join('|')})(?:=([^/\\\\@:]*))?$`);

/** Splits `items.csv:fields=a,b:rotate=100` into the target and its feed options; a plain output has none. */
export function parseFeedTarget(text: string): { target: string; options: FeedOptions } {
  const parts = text.split(':');
  const options: FeedOptions = {};
  while (parts.length > 1) {
    const match = segment.exec(parts.at(-1) as string);
    if (!match) break;
    parts.pop();
    applySegment(options, match[1] as (typeof optionKeys)[number], match[2], text);
  }
  return { target: parts.join(':'), options };
}

function applySegment(
  options: FeedOptions,
  key: (typeof optionKeys)[number],
  value: string | undefined,
  text: string,
): void {
  const needs = (): string => {
    if (value === undefined || value === '')
      throw new ConfigError(`output "${text}": ${key} needs a value (${key}=…)`);
    return value;
  };
  switch (key) {
    case 'fields':
      options.fields = needs()
        .split(',')
        .map((field) => field.trim())
        .filter((field) => field !== '');
      return;
    case 'format':
      options.format = needs();
      return;
    case 'overwrite':
      options.overwrite = value === undefined || value === 'true';
      return;
    case 'rotate':
      options.rotate = { ...options.rotate, items: Number(needs()) };
      return;
    case 'rotate-size':
      options.rotate = { ...options.rotate, bytes: needs() };
      return;
  }
}

const units: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1024,
  mb: 1024 ** 2,
  gb: 1024 ** 3,
  tb: 1024 ** 4,
};

/** `10MB` → 10485760 (powers of 1024; `B`, `KB`, `MB`, `GB`, `TB`, case-insensitive); undefined if not a size. */
export function parseBytes(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?b)?$/i.exec(value.trim());
  if (!match) return undefined;
  const bytes = Math.round(Number(match[1]) * (units[(match[2] ?? 'b').toLowerCase()] ?? 1));
  return bytes > 0 ? bytes : undefined;
}

/** Checks a feed's options and resolves its rotation limits: a ConfigError names the output and the option. */
export function feedSpec(output: string, options: FeedOptions, overwrite: boolean): FeedSpec {
  const fail = (why: string): never => {
    throw new ConfigError(`output "${output}": ${why}`);
  };
  const spec: FeedSpec = { output, overwrite: options.overwrite ?? overwrite };
  if (options.fields !== undefined) {
    const { fields } = options;
    if (!Array.isArray(fields) || fields.length === 0 || fields.some((f) => typeof f !== 'string'))
      fail('fields must be a non-empty list of field names');
    spec.fields = fields;
  }
  if (options.format !== undefined) spec.format = options.format;
  const rotate = options.rotate;
  if (rotate !== undefined) {
    const items = rotate.items;
    if (items !== undefined && (!Number.isInteger(items) || items < 1))
      fail(`rotate items must be an integer ≥ 1, got ${String(items)}`);
    const bytes = rotate.bytes === undefined ? undefined : parseBytes(rotate.bytes);
    if (rotate.bytes !== undefined && bytes === undefined)
      fail(`rotate size must be a size such as 10MB, 512KB or 1GB, got ${String(rotate.bytes)}`);
    if (items === undefined && bytes === undefined) fail('rotate needs items or bytes');
    spec.rotate = {
      ...(items !== undefined ? { items } : {}),
      ...(bytes !== undefined ? { bytes } : {}),
    };
  }
  return spec;
}
