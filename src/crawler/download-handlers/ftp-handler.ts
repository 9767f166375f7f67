/**
 * `ftp:` and `ftps:` (explicit TLS, AUTH TLS) with basic-ftp, passive mode: a directory is an HTML listing whose
 * links are its entries, a file is its bytes with size (SIZE) and modification time (MDTM). Loaded on the first FTP
 * request only (see ftp-source.ts).
 */
import dns from 'node:dns';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { Client, type FileInfo, FTPError } from 'basic-ftp';
import {
  BodyTooLargeError,
  CrawlError,
  EgressDeniedError,
  FtpReplyError,
  isCrawlError,
  NetworkError,
  TimeoutError,
} from '../../errors.js';
import { EgressGuard } from '../../http/egress-guard.js';
import { Response } from '../../http/response.js';
import type { TlsSettings } from '../../http/transport.js';
import { toCrawlError } from '../../http/transport-errors.js';
import { redactUrl } from '../../url/redact-url.js';
import type { Request } from '../request.js';
import { ConnectionPool, type Lease } from './connection-pool.js';
import { contentTypeOf } from './content-types.js';
import { renderListing } from './listing-page.js';
import type { DownloadHandler, FetchContext } from './registry.js';

export interface FtpSettings {
  /** Sessions open at once per host. */
  connections: number;
  /** Used when neither the request (`data.ftpUser`) nor the URL names a user; else anonymous. */
  user?: string;
  password?: string;
  /** ftps: the crawl's TLS settings (`ca`, client certificate, `insecure`, `tlsMinVersion`). */
  tls?: TlsSettings | undefined;
  /** false: refuse hosts that are, or resolve to, private addresses (the data connection goes to the same one). */
  allowPrivate: boolean;
  timeoutMs: number;
  connectTimeoutMs: number;
  maxBytes: number;
}

/** Where one request goes and as whom. */
interface FtpTarget {
  /** The request's URL without its credentials: what error messages show. */
  url: string;
  host: string;
  port: number;
  secure: boolean;
  user: string;
  password: string;
  /** The remote path, decoded: `/pub/a b.txt`, `/pub/` for a directory. */
  path: string;
}

interface Fetched {
  body: Buffer;
  contentType: string;
  modified?: Date | undefined;
}

const NOT_FOUND = new Set([550, 553]);
const NOT_LOGGED_IN = new Set([530, 532]);

export function ftpHandler(settings: FtpSettings): DownloadHandler {
  const pool = new ConnectionPool<Client>(settings.connections);
  const guard = settings.allowPrivate ? undefined : new EgressGuard({ allowPrivate: false });
  return {
    name: 'ftp',
    async fetch(request, context) {
      const target = ftpTarget(request, settings);
      const started = performance.now();
      let connectMs = 0;
      let lease: Lease<Client>;
      try {
        lease = await pool.acquire(
          `${target.host}:${target.port}`,
          `${target.secure}\0${target.user}\0${target.password}`,
          async () => {
            const client = await login(target, settings, guard, context);
            connectMs = performance.now() - started;
            return client;
          },
        );
      } catch (error) {
        return answer(error, request, started);
      }
      let reusable = false;
      try {
        const fetched = await within(
          download(lease.client, target, settings.maxBytes),
          settings.timeoutMs,
          () => lease.client.close(),
          () => new TimeoutError(target.url, 'transfer'),
          context,
        );
        reusable = true;
        return response(request, 200, fetched, started, connectMs);
      } catch (error) {
        // A refused command leaves the session usable; anything else may have left it mid-transfer.
        reusable = error instanceof FTPError && !lease.client.closed;
        return answer(error, request, started);
      } finally {
        lease.release(reusable);
      }
    },
    async close() {
      pool.close();
    },
  };
}

/**
 * Host, port, credentials and path of a request: the request's `data.ftpUser`/`data.ftpPassword` first (Scrapy's
 * `ftp_user`/`ftp_password` meta), then the URL's user info, then the crawl's ftpUser/ftpPassword, else anonymous.
 */
function ftpTarget(request: Request, settings: FtpSettings): FtpTarget {
  const url = new URL(request.url);
  const secure = url.protocol === 'ftps:';
  const fromData = typeof request.data.ftpUser === 'string' ? request.data.ftpUser : undefined;
  const fromUrl = url.username === '' ? undefined : decode(url.username);
  let user = 'anonymous';
  let password = 'anonymous@';
  if (fromData !== undefined) {
    user = fromData;
    password = typeof request.data.ftpPassword === 'string' ? request.data.ftpPassword : '';
  } else if (fromUrl !== undefined) {
    user = fromUrl;
    password = decode(url.password);
  } else if (settings.user !== undefined) {
    user = settings.user;
    password = settings.password ?? '';
  }
  // RFC 1738's `;type=a|i|d` selects a transfer mode; binary is always right for a crawler's bytes.
  const pathname = url.pathname.replace(/;type=[aid]$/i, '') || '/';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return {
    url: redactUrl(request.url),
    host,
    port: url.port === '' ? 21 : Number(url.port),
    secure,
    user,
    password,
    path: pathname.split('/').map(decode).join('/'),
  };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A logged-in session (TYPE I, and PBSZ 0 / PROT P over TLS), within the connect timeout. */
async function login(
  target: FtpTarget,
  settings: FtpSettings,
  guard: EgressGuard | undefined,
  context: FetchContext,
): Promise<Client> {
  const client = new Client(settings.timeoutMs, {
    allowSeparateTransferHost: false, // passive data connections go to the control connection's address only
    maxListingBytes: settings.maxBytes,
  });
  const connect = async () => {
    const address = await allowedAddress(target.host, guard);
    await client.access({
      host: address,
      port: target.port,
      user: target.user,
      password: target.password,
      secure: target.secure,
      ...(target.secure && {
        secureOptions: {
          // The certificate is checked against the URL's host, whatever address it resolved to.
          host: target.host,
          ...(isIP(target.host) === 0 && { servername: target.host }),
          ...settings.tls,
        },
      }),
    });
  };
  try {
    await within(
      connect(),
      settings.connectTimeoutMs,
      () => client.close(),
      () => new TimeoutError(target.url, 'connect'),
      context,
    );
  } catch (error) {
    client.close();
    throw error;
  }
  return client;
}

/**
 * The address to connect to: the host itself when private addresses are allowed, else the first public address it
 * resolves to (connecting to that address, not the name, so a second lookup cannot rebind it).
 * @throws EgressDeniedError for a private address
 */
async function allowedAddress(host: string, guard: EgressGuard | undefined): Promise<string> {
  if (!guard) return host;
  if (isIP(host) !== 0) {
    if (guard.denies(host)) throw new EgressDeniedError(host, host);
    return host;
  }
  const lookup = guard.lookup(dns.lookup);
  return new Promise((resolve, reject) => {
    lookup(host, {}, (error, address) => {
      if (error) reject(error);
      else resolve(typeof address === 'string' ? address : (address[0]?.address ?? ''));
    });
  });
}

/** A directory's listing (path ending in `/`, or one SIZE refuses but CWD accepts), else the file. */
async function download(client: Client, target: FtpTarget, maxBytes: number): Promise<Fetched> {
  if (target.path.endsWith('/')) return listing(client, target, maxBytes, '');
  let size: number;
  try {
    size = await client.size(target.path);
  } catch (error) {
    if (!(error instanceof FTPError) || !NOT_FOUND.has(error.code)) throw error;
    const name = target.path.slice(target.path.lastIndexOf('/') + 1);
    // Served without its trailing slash: links must name the directory to resolve inside it.
    const prefix = `${encodeURIComponent(name)}/`;
    return listing(client, target, maxBytes, prefix).catch((other: unknown) => {
      throw other instanceof FTPError ? error : other; // not a directory either: the file is missing
    });
  }
  if (size > maxBytes) throw new BodyTooLargeError(target.url, maxBytes);
  const modified = await client.lastMod(target.path).catch((error: unknown) => {
    if (error instanceof FTPError) return undefined; // MDTM is an extension (RFC 3659) some servers lack
    throw error;
  });
  const sink = new CappedBuffer(target.url, maxBytes);
  await client.downloadTo(sink, target.path);
  return { body: sink.bytes(), contentType: contentTypeOf(target.path), modified };
}

async function listing(
  client: Client,
  { path, url }: FtpTarget,
  maxBytes: number,
  hrefPrefix: string,
): Promise<Fetched> {
  await client.cd(path);
  let entries: FileInfo[];
  try {
    entries = await client.list();
  } catch (error) {
    // basic-ftp's own cap on a listing's bytes (maxListingBytes, set to maxBytes) says so only in its message.
    if (
      error instanceof Error &&
      error.message.startsWith('StringWriter: Maximum bytes exceeded')
    ) {
      throw new BodyTooLargeError(url, maxBytes);
    }
    throw error;
  }
  const body = renderListing({
    path: path.endsWith('/') ? path : `${path}/`,
    entries: entries.map((entry: FileInfo) => ({
      name: entry.name,
      directory: entry.isDirectory,
      size: entry.size,
      modified: entry.modifiedAt,
    })),
    hrefPrefix,
  });
  if (body.length > maxBytes) throw new BodyTooLargeError(url, maxBytes);
  return { body, contentType: 'text/html; charset=utf-8' };
}

/** Collects a download, failing it (so basic-ftp aborts the transfer) past `maxBytes`. */
class CappedBuffer extends Writable {
  readonly #chunks: Buffer[] = [];
  #length = 0;

  constructor(
    readonly url: string,
    readonly maxBytes: number,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error) => void): void {
    this.#length += chunk.length;
    if (this.#length > this.maxBytes) {
      done(new BodyTooLargeError(this.url, this.maxBytes));
      return;
    }
    this.#chunks.push(chunk);
    done();
  }

  bytes(): Buffer {
    return Buffer.concat(this.#chunks, this.#length);
  }
}

/** `work`, unless `ms` pass or the crawl closes first: then `expire` (closing the session) and reject. */
function within<T>(
  work: Promise<T>,
  ms: number,
  expire: () => void,
  timeout: () => CrawlError,
  context: FetchContext,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fail = (error: CrawlError) => {
      settle();
      expire();
      reject(error);
    };
    const timer = setTimeout(() => fail(timeout()), ms);
    const onAbort = () => fail(new CrawlError('AR_NETWORK', 'the crawl closed its FTP sessions'));
    context.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      clearTimeout(timer);
      context.signal?.removeEventListener('abort', onAbort);
    };
    work.then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}

/**
 * What a failure means to the crawl: no such file → 404 and not logged in → 401 (answers, like an HTTP server's);
 * a transient 4xx reply or a socket error → NetworkError (retried); another 5xx reply → FtpReplyError.
 */
function answer(error: unknown, request: Request, started: number): Response {
  const shown = redactUrl(request.url);
  if (error instanceof FTPError) {
    if (NOT_FOUND.has(error.code)) return response(request, 404, notice(error), started, 0);
    if (NOT_LOGGED_IN.has(error.code)) return response(request, 401, notice(error), started, 0);
    const text = error.message.replace(/^\d{3}\s*/, '').slice(0, 200);
    if (error.code >= 400 && error.code < 500) {
      throw new NetworkError(shown, `FTP ${error.code}: ${text}`, { cause: error });
    }
    throw new FtpReplyError(shown, error.code, text);
  }
  if (isCrawlError(error)) throw error;
  throw toCrawlError(error, shown, 'connect');
}

function notice(error: FTPError): Fetched {
  return { body: Buffer.from(`${error.message}\n`), contentType: 'text/plain; charset=utf-8' };
}

function response(
  request: Request,
  status: number,
  fetched: Fetched,
  started: number,
  connectMs: number,
): Response {
  const headers: Record<string, string> = {
    'content-type': fetched.contentType,
    'content-length': String(fetched.body.length),
  };
  if (fetched.modified !== undefined && !Number.isNaN(fetched.modified.getTime())) {
    headers['last-modified'] = fetched.modified.toUTCString();
  }
  const totalMs = performance.now() - started;
  return new Response({
    url: request.url,
    status,
    headers,
    body: fetched.body,
    request,
    timings: { dnsMs: 0, connectMs, tlsMs: 0, firstByteMs: totalMs, totalMs },
  });
}
