/** Placeholders in output paths, like Scrapy's %(name)s and %(time)s: `items-{spider}-{time}.jsonl`. */
import { ConfigError } from '../errors.js';

/** What the placeholders stand for in one crawl. */
export interface OutputNames {
  /** The spider's name. */
  spider: string;
  /** When the crawl started. */
  time: Date;
}

const placeholder = /\{(\w*)\}/g;

/**
 * Fills in `{spider}` (the spider's name, with characters other than letters, digits, `.`, `_` and `-` as `_`)
 * and `{time}` (UTC, to the second, with `-` for `:` so that every file system takes it:
 * `2026-12-06T01-31-11Z`); `{part}` is kept as it is, for a rotated output to number its parts. Any other `{word}` is a ConfigError: a typo must not become a literal file name.
 */
export function expandOutputPath(output: string, names: OutputNames): string {
  return output.replace(placeholder, (whole, name: string) => {
    if (name === 'spider') return names.spider.replace(/[^\w.-]+/g, '_') || 'spider';
    if (name === 'time') return timeStamp(names.time);
    // Left for the rotation, which numbers the parts (rotating-sink.ts).
    if (name === 'part') return whole;
    throw new ConfigError(
      `unknown placeholder ${whole} in output "${output}": use {spider}, {time} or {part} (with rotation)`,
    );
  });
}

/** `2026-12-06T01-31-11Z`: ISO 8601 without milliseconds, colons replaced (Windows and macOS refuse them). */
export function timeStamp(time: Date): string {
  return time
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replaceAll(':', '-');
}
