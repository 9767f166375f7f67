/**
 * `file:` URLs (Scrapy crawls them too): a file is a page with its bytes, a directory an HTML listing whose links are
 * its entries. For the command line and crawl(); the server refuses file: URLs in jobs.
 */
import { createReadStream, type Dirent, type Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { BodyTooLargeError, CrawlError } from '../../errors.js';
import { Response } from '../../http/response.js';
import { toCrawlError } from '../../http/transport-errors.js';
import type { Request } from '../request.js';
import { contentTypeOf } from './content-types.js';
import { type ListingEntry, renderListing } from './listing-page.js';
import type { DownloadHandler } from './registry.js';

const MISSING = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG']);
const FORBIDDEN = new Set(['EACCES', 'EPERM']);

/** Answers 200 with a file's bytes or a directory's listing; 404 when missing, 403 when unreadable or special. */
export function fileHandler({ maxBytes }: { maxBytes: number }): DownloadHandler {
  return {
    name: 'file',
    async fetch(request) {
      const started = performance.now();
      const path = localPath(request.url);
      try {
        const info = await stat(path);
        if (info.isDirectory()) {
          const body = await listing(path);
          if (body.length > maxBytes) throw new BodyTooLargeError(request.url, maxBytes);
          return answer(request, 200, body, 'text/html; charset=utf-8', started);
        }
        // A FIFO would block the crawl, a device such as /dev/zero never ends.
        if (!info.isFile()) return answer(request, 403, notice('not a regular file'), '', started);
        if (info.size > maxBytes) throw new BodyTooLargeError(request.url, maxBytes);
        const body = await readCapped(path, request.url, maxBytes);
        return answer(request, 200, body, contentTypeOf(path), started, info.mtime);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        if (MISSING.has(code)) return answer(request, 404, notice('no such file'), '', started);
        if (FORBIDDEN.has(code))
          return answer(request, 403, notice('permission denied'), '', started);
        throw toCrawlError(error, request.url, 'body');
      }
    },
  };
}

/** The local path of a `file:` URL; only this machine's (`file:///…` or `file://localhost/…`). */
function localPath(url: string): string {
  const parsed = new URL(url);
  if (parsed.hostname !== '' && parsed.hostname !== 'localhost') {
    throw new CrawlError('AR_BAD_URL', `file: URL on another host (${parsed.hostname}): ${url}`);
  }
  try {
    return fileURLToPath(parsed);
  } catch (error) {
    throw new CrawlError('AR_BAD_URL', `not a local file URL: ${url}`, { cause: error });
  }
}

async function listing(path: string): Promise<Buffer> {
  const entries: Dirent[] = await readdir(path, { withFileTypes: true });
  const described = await Promise.all(
    entries.map(async (entry): Promise<ListingEntry> => {
      // stat, not lstat: a link to a directory is listed as the directory it leads to.
      const info: Stats | undefined = await stat(join(path, entry.name)).catch(() => undefined);
      return {
        name: entry.name,
        directory: info?.isDirectory() ?? entry.isDirectory(),
        size: info?.size,
        modified: info?.mtime,
      };
    }),
  );
  const withSlash = path.endsWith('/');
  return renderListing({
    path: withSlash ? path : `${path}/`,
    entries: described,
    // Served without its trailing slash: links must name the directory to resolve inside it.
    ...(!withSlash && { hrefPrefix: `${encodeURIComponent(basename(path))}/` }),
  });
}

/** The file's bytes, reading one past `maxBytes` at most: a file that grew since `stat` still fails cleanly. */
async function readCapped(path: string, url: string, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of createReadStream(path, { end: maxBytes })) {
    const bytes = chunk as Buffer;
    length += bytes.length;
    if (length > maxBytes) throw new BodyTooLargeError(url, maxBytes);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, length);
}

function notice(text: string): Buffer {
  return Buffer.from(`${text}\n`);
}

function answer(
  request: Request,
  status: number,
  body: Buffer,
  contentType: string,
  started: number,
  modified?: Date,
): Response {
  const headers: Record<string, string> = {
    'content-type': contentType || 'text/plain; charset=utf-8',
    'content-length': String(body.length),
  };
  if (modified !== undefined) headers['last-modified'] = modified.toUTCString();
  const totalMs = performance.now() - started;
  return new Response({
    url: request.url,
    status,
    headers,
    body,
    request,
    timings: { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: totalMs, totalMs },
  });
}
