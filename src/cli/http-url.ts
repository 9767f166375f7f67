/** The one check of a URL typed on the command line: an absolute http(s) URL, or a one-line ConfigError. */
import { ConfigError } from '../errors.js';

/**
 * The parsed URL.
 * @param verb what the command does with it, for the message: "crawled", "fetched", "parsed"…
 * @param others schemes accepted besides http and https, with their colon (the sources beyond the web for crawls)
 */
export function httpUrlArgument(url: string, verb: string, others: readonly string[] = []): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`not a valid URL: "${url}"`);
  }
  if (
    parsed.protocol !== 'http:' &&
    parsed.protocol !== 'https:' &&
    !others.includes(parsed.protocol)
  ) {
    const names = ['http', 'https', ...others.map((scheme) => scheme.slice(0, -1))];
    const list = `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
    throw new ConfigError(`only ${list} URLs can be ${verb}, got "${url}"`);
  }
  return parsed;
}

/** The sources beyond the web that `arachne crawl` takes as start URLs, besides http(s). */
const CRAWL_SOURCES = [
  'ftp:',
  'ftps:',
  'sftp:',
  'file:',
  'imap:',
  'imaps:',
  'pop3:',
  'pop3s:',
  'ws:',
  'wss:',
];

/** A start URL of `arachne crawl`: http(s), or one of the sources beyond the web. */
export function crawlUrlArgument(url: string): URL {
  return httpUrlArgument(url, 'crawled', CRAWL_SOURCES);
}
