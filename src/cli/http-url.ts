/** The one check of a URL typed on the command line: an absolute http(s) URL, or a one-line ConfigError. */
import { ConfigError } from '../errors.js';

/**
 * The parsed URL.
 * @param verb what the command does with it, for the message: "crawled", "fetched", "parsed"…
 */
export function httpUrlArgument(url: string, verb: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`not a valid URL: "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`only http and https URLs can be ${verb}, got "${url}"`);
  }
  return parsed;
}

const CRAWLED_SCHEMES = new Set([
  ...['http:', 'https:', 'ftp:', 'ftps:', 'sftp:', 'file:'],
  ...['imap:', 'imaps:', 'pop3:', 'pop3s:'],
]);

/** A start URL of `arachne crawl`: http(s), or one of the sources beyond the web (ftp:, ftps:, file:). */
export function crawlUrlArgument(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`not a valid URL: "${url}"`);
  }
  if (!CRAWLED_SCHEMES.has(parsed.protocol)) {
    throw new ConfigError(
      `only http, https, ftp, ftps, sftp, file, imap, imaps, pop3 and pop3s URLs can be crawled, got "${url}"`,
    );
  }
  return parsed;
}
