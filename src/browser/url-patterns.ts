/**
 * URL patterns the browser never requests (`blockUrls`), as Crawlee's `blockRequests({ urlPatterns })`: a pattern
 * matches anywhere in the URL, and `*` stands for any run of characters. `'/ads/'` blocks every URL with that
 * path segment; `'*.doubleclick.net'` every host under doubleclick.net (and any URL containing `.doubleclick.net`).
 */
export function urlBlocker(patterns: readonly string[]): ((url: string) => boolean) | undefined {
  const cleaned = patterns.map((pattern) => pattern.trim()).filter((pattern) => pattern !== '');
  if (cleaned.length === 0) return undefined;
  const source = cleaned
    .map((pattern) =>
      pattern
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
        .join('.*'),
    )
    .join('|');
  const regex = new RegExp(source, 'i');
  return (url) => regex.test(url);
}

/** `blockUrls` as the CLI gives it (one comma-separated string) or as crawl() takes it (a list). */
export function blockUrlList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  return (typeof value === 'string' ? value.split(',') : [...value])
    .map((pattern) => pattern.trim())
    .filter((pattern) => pattern !== '');
}
