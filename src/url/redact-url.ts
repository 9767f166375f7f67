/**
 * URLs as outputs, logs and error messages show them: `http://user:pass@host/` becomes `http://host/`. The request
 * itself keeps its credentials (the fetch needs them); only what leaves the crawl for a reader is redacted.
 */

// The userinfo part of an absolute URL: everything between `//` and `@` that cannot be a path, query or fragment.
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]*@/gi;

/** One URL without its user and password; anything that is not a URL comes back unchanged. */
export function redactUrl(url: string): string {
  return redactUrlsIn(url);
}

/** Every URL inside a text (a log line, an error message) without its user and password. */
export function redactUrlsIn(text: string): string {
  return text.includes('@') ? text.replace(USERINFO, '$1') : text;
}
