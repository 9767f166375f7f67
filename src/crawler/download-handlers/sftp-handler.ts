/**
 * The `sftp:` download handler: a directory is an HTML listing page whose links are its entries, a file is a page
 * with its bytes, size (`content-length`) and modification time (`last-modified`). Connections are pooled per
 * server and user, a few each, and closed with the crawl.
 */
import { posix } from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import { BodyTooLargeError, CrawlError, NetworkError, TimeoutError } from '../../errors.js';
import { Response } from '../../http/response.js';
import { openSftp, type SshSession, type SshSettings } from '../../ssh/connect.js';
import { redactUrl } from '../../url/redact-url.js';
import type { Request } from '../request.js';
import { type Closable, ConnectionPool, type Lease } from './connection-pool.js';
import { contentTypeOf } from './content-types.js';
import { renderListing } from './listing-page.js';
import type { DownloadHandler, FetchContext } from './registry.js';

export interface SftpHandlerOptions {
  ssh: SshSettings;
  /** Largest file fetched; a bigger one fails with AR_BODY_TOO_LARGE before a byte is read. */
  maxBytes: number;
  /** Whole exchange per attempt, the connection included. */
  timeoutMs: number;
  /** SSH connections kept per server (reused by user and password). @default 2 */
  connectionsPerServer?: number;
}

// SFTP status codes (draft-ietf-secsh-filexfer-02 §7).
const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;

export function sftpHandler(options: SftpHandlerOptions): DownloadHandler {
  // The FTP handler's pool: per server, sessions reused by user and password, `connectionsPerServer` at most.
  const pool = new ConnectionPool<PooledSession>(options.connectionsPerServer ?? 2);
  return {
    name: 'sftp',
    async fetch(request, context) {
      const url = new URL(request.url);
      return withDeadline(request, options.timeoutMs, context, async (held) => {
        const lease = await pool.acquire(url.host, `${url.username}:${url.password}`, async () =>
          pooled(await openSftp(url, options.ssh)),
        );
        held.session = lease.client.session;
        return fetchPath(request, url, lease, options.maxBytes);
      });
    },
    async close() {
      pool.close();
    },
  };
}

/** An SSH session as the pool holds it: closed once its server hung up or it was ended. */
interface PooledSession extends Closable {
  readonly session: SshSession;
  /** Whether a fetch has used it yet: the first one reports its connection time. */
  used: boolean;
}

function pooled(session: SshSession): PooledSession {
  let closed = false;
  session.client.once('close', () => {
    closed = true;
  });
  session.client.on('error', () => {
    closed = true;
  });
  return {
    session,
    used: false,
    get closed() {
      return closed;
    },
    close: () => session.client.end(),
  };
}

/** What a fetch holds, so the deadline can cut the connection it is stuck on. */
interface Held {
  session?: SshSession;
}

async function fetchPath(
  request: Request,
  url: URL,
  lease: Lease<PooledSession>,
  maxBytes: number,
): Promise<Response> {
  const started = performance.now();
  const { session } = lease.client;
  const fresh = !lease.client.used;
  lease.client.used = true;
  const shown = redactUrl(request.url);
  let healthy = true;
  try {
    const path = decodeURIComponent(url.pathname) || '/';
    const { sftp } = session;
    const stats = await call<Stats>((done) => sftp.stat(path, done)).catch((error: unknown) => {
      const status = statusOf(error);
      if (status === undefined) throw error;
      return status;
    });
    const firstByteMs = performance.now() - started;
    const respond = (status: number, headers: Record<string, string>, body: Buffer) =>
      new Response({
        url: request.url,
        status,
        headers: { ...headers, 'content-length': String(body.length) },
        body,
        request,
        timings: {
          dnsMs: 0,
          connectMs: fresh ? session.connectMs : 0,
          tlsMs: 0,
          firstByteMs,
          totalMs: performance.now() - started,
        },
      });
    if (typeof stats === 'number') {
      return respond(stats, { 'content-type': 'text/plain; charset=utf-8' }, Buffer.from(''));
    }
    const modified = { 'last-modified': new Date(stats.mtime * 1000).toUTCString() };
    if (stats.isDirectory()) {
      const list = await call<Array<{ filename: string; attrs: Stats }>>((done) =>
        sftp.readdir(path, done),
      );
      const withSlash = path.endsWith('/');
      const html = renderListing({
        path: withSlash ? path : `${path}/`,
        entries: list.map(({ filename, attrs }) => ({
          name: filename,
          directory: attrs.isDirectory(),
          size: attrs.size,
          modified: new Date(attrs.mtime * 1000),
        })),
        // Relative hrefs keep the URL's user out of the page; typed without its slash, the directory's own name
        // leads them so they still resolve inside it.
        ...(!withSlash && { hrefPrefix: `${encodeURIComponent(posix.basename(path))}/` }),
      });
      return respond(200, { 'content-type': 'text/html; charset=utf-8', ...modified }, html);
    }
    if (!stats.isFile()) {
      return respond(404, { 'content-type': 'text/plain; charset=utf-8' }, Buffer.from(''));
    }
    if (stats.size > maxBytes) throw new BodyTooLargeError(shown, maxBytes);
    const body = await readFile(sftp, path, maxBytes, shown);
    return respond(200, { 'content-type': contentTypeOf(path), ...modified }, body);
  } catch (error) {
    // A status answer leaves the session usable; anything else may have broken the channel.
    healthy = error instanceof BodyTooLargeError;
    throw error instanceof CrawlError
      ? error
      : new NetworkError(shown, `SFTP: ${(error as Error).message}`, { cause: error });
  } finally {
    lease.release(healthy);
  }
}

/** The file's bytes; a file that grows past `maxBytes` while it is read is cut off with AR_BODY_TOO_LARGE. */
function readFile(
  sftp: SFTPWrapper,
  path: string,
  maxBytes: number,
  shown: string,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const stream = sftp.createReadStream(path);
    stream.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > maxBytes) {
        stream.destroy();
        reject(new BodyTooLargeError(shown, maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(Buffer.concat(chunks, length)));
  });
}

/** The HTTP status that says what an SFTP failure means for the page; undefined for a broken connection. */
function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  if (code === NO_SUCH_FILE) return 404;
  if (code === PERMISSION_DENIED) return 403;
  return undefined;
}

function call<T>(
  start: (done: (error: Error | null | undefined, value: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) =>
    start((error, value) => (error ? reject(error) : resolve(value))),
  );
}

/**
 * Runs the fetch within `timeoutMs` and the crawl's lifetime: past either, the connection it holds is cut (its
 * pending SFTP calls then fail) and the fetch rejects with AR_TIMEOUT or AR_NETWORK.
 */
async function withDeadline(
  request: Request,
  timeoutMs: number,
  context: FetchContext,
  run: (held: Held) => Promise<Response>,
): Promise<Response> {
  const held: Held = {};
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const shown = redactUrl(request.url);
  const cut = new Promise<never>((_, reject) => {
    const stop = (error: CrawlError) => {
      held.session?.client.end();
      reject(error);
    };
    timer = setTimeout(() => stop(new TimeoutError(shown, 'SFTP exchange')), timeoutMs);
    onAbort = () => stop(new NetworkError(shown, 'the crawl closed'));
    if (context.signal?.aborted) onAbort();
    else context.signal?.addEventListener('abort', onAbort, { once: true });
  });
  const work = run(held);
  try {
    return await Promise.race([work, cut]);
  } finally {
    clearTimeout(timer);
    if (onAbort) context.signal?.removeEventListener('abort', onAbort);
    work.catch(() => {}); // settled after the cut: its failure is already reported
  }
}
