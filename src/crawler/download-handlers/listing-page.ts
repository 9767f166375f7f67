/**
 * A directory (FTP, SFTP or local) as an HTML page: one link per entry, so `page.links()` and the no-code crawl follow a
 * tree like a site. Directories end in `/`, so their own listings resolve their entries' relative links.
 */

export interface ListingEntry {
  name: string;
  directory: boolean;
  /** Bytes; unknown for most directories. */
  size?: number | undefined;
  modified?: Date | undefined;
}

export interface ListingPage {
  /** The directory's path, shown as the title: `/pub/`. */
  path: string;
  entries: readonly ListingEntry[];
  /**
   * Put before every href: the directory's last segment and a slash when the page is served at a URL without a
   * trailing slash (`/pub`), where a bare `name` would resolve next to the directory instead of inside it.
   */
  hrefPrefix?: string;
}

/** The page's UTF-8 bytes: a table of name (linked), size and modification time, entries sorted by name. */
export function renderListing({ path, entries, hrefPrefix = '' }: ListingPage): Buffer {
  const rows = entries
    .filter((entry) => entry.name !== '.' && entry.name !== '..' && entry.name !== '')
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((entry) => {
      const shown = entry.directory ? `${entry.name}/` : entry.name;
      // Encoded whole: a name such as `a:b` or `#x` must stay a path segment, never a scheme or a fragment.
      const href = `${hrefPrefix}${encodeURIComponent(entry.name)}${entry.directory ? '/' : ''}`;
      const size = entry.size === undefined || entry.directory ? '' : String(entry.size);
      const modified = validDate(entry.modified);
      const time = modified === undefined ? '' : `<time datetime="${modified}">${modified}</time>`;
      return `<tr><td><a href="${escapeHtml(href)}">${escapeHtml(shown)}</a></td><td>${size}</td><td>${time}</td></tr>`;
    });
  const title = `Index of ${escapeHtml(path)}`;
  return Buffer.from(
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head><body>\n<h1>${title}</h1>\n` +
      `<table>\n<tr><th>Name</th><th>Size</th><th>Modified</th></tr>\n${rows.join('\n')}\n</table>\n</body></html>\n`,
    'utf8',
  );
}

function validDate(date: Date | undefined): string | undefined {
  return date === undefined || Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
