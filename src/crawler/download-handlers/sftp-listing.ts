/** A remote directory as an HTML page: one `<a href>` per entry, so `page.links()` and the site crawl follow them. */

export interface ListingEntry {
  name: string;
  directory: boolean;
  size: number;
  /** Seconds since the epoch, as SFTP gives it. */
  mtime: number;
}

/**
 * The page of the directory at `url`: entries sorted by name, directories first and ending in `/`, each href a
 * full path. `.` and `..` are left out: a crawl goes down the tree, not up.
 */
export function renderListing(url: URL, entries: readonly ListingEntry[]): string {
  const base = new URL(url.href);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  base.search = '';
  const sorted = entries
    .filter((entry) => entry.name !== '.' && entry.name !== '..')
    .sort((a, b) =>
      a.directory === b.directory ? (a.name < b.name ? -1 : 1) : a.directory ? -1 : 1,
    );
  const title = escapeHtml(`Index of ${decodeURIComponent(base.pathname)}`);
  const rows = sorted.map((entry) => {
    // Path-absolute: it resolves against the page URL keeping its user (and password) without writing them into
    // the page, and a directory URL typed without its trailing slash still links right.
    const href = new URL(encodeURIComponent(entry.name) + (entry.directory ? '/' : ''), base)
      .pathname;
    const label = escapeHtml(entry.name + (entry.directory ? '/' : ''));
    const modified = new Date(entry.mtime * 1000).toISOString();
    const size = entry.directory ? '-' : String(entry.size);
    return `<tr><td><a href="${escapeHtml(href)}">${label}</a></td><td>${size}</td><td>${modified}</td></tr>`;
  });
  return [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${title}</title></head><body>`,
    `<h1>${title}</h1>`,
    '<table><thead><tr><th>Name</th><th>Size</th><th>Modified</th></tr></thead><tbody>',
    ...rows,
    '</tbody></table></body></html>',
    '',
  ].join('\n');
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
