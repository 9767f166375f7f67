/**
 * The one local server helper of the tests: an HTTP or HTTPS server on a loopback address, port 0, from a route
 * table or a handler, with a log of the requests it was asked; a raw TCP server for misbehaviour; and `listen`,
 * which gives any other server (HTTP/2, a proxy) the same port, connection count and close.
 *
 * A server started inside a test (or a beforeEach hook) is closed when that test finishes; one started in a
 * beforeAll hook is the caller's to close. `close()` may be called any number of times.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { onTestFinished } from 'vitest';
import { testCert, testKey } from '../http/fixtures/tls.js';
import { connects } from './daemon.js';

/** Whatever it returns is ignored (an async handler's rejection surfaces as an unhandled error). */
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => unknown;

/** A fixed body (text/plain for `*.txt` paths, HTML otherwise, status 200) or a handler. */
export type Route = string | Handler;

export interface LoggedRequest {
  method: string;
  /** The request target as sent: path and query. */
  path: string;
  httpVersion: string;
  headers: http.IncomingHttpHeaders;
  /** Arrival time (Date.now()). */
  at: number;
}

export interface Listening {
  /** e.g. `http://127.0.0.1:<port>`, `https://[::1]:<port>` */
  origin: string;
  port: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Destroys the open connections and stops listening. */
  close(): Promise<void>;
}

export interface LocalServer extends Listening {
  /** Every request, in arrival order. */
  requests: LoggedRequest[];
  /** The paths of `requests`, in arrival order. */
  readonly paths: string[];
  /** How many requests asked for `path`. */
  count(path: string): number;
}

export interface ListenOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** The scheme shown in `origin`. @default 'http' */
  scheme?: 'http' | 'https';
}

export interface LocalServerOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** HTTPS with the test certificate (tests/http/fixtures/tls.ts). @default false */
  tls?: boolean;
}

/** Makes `server` listen on `host`, port 0; tracks its sockets so that close() does not wait for idle clients. */
export async function listen(server: net.Server, options: ListenOptions = {}): Promise<Listening> {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<net.Socket>();
  let connections = 0;
  server.on('connection', (socket: net.Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as net.AddressInfo;
  let closed: Promise<void> | undefined;
  const listening: Listening = {
    origin: `${options.scheme ?? 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    get connections() {
      return connections;
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return closed;
    },
  };
  closeWhenTestEnds(listening);
  return listening;
}

/** An HTTP(S) server answering from `routes` (anything else is a 404) or from one handler for everything. */
export async function startLocalServer(
  routes: Record<string, Route> | Handler,
  options: LocalServerOptions = {},
): Promise<LocalServer> {
  const requests: LoggedRequest[] = [];
  const answer: Handler =
    typeof routes === 'function'
      ? routes
      : (req, res) => {
          const path = req.url ?? '/';
          const route = routes[path];
          if (route === undefined) {
            res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
          } else if (typeof route === 'string') {
            const type = path.endsWith('.txt') ? 'text/plain' : 'text/html; charset=utf-8';
            res.writeHead(200, { 'content-type': type }).end(route);
          } else {
            route(req, res);
          }
        };
  const handler: http.RequestListener = (req, res) => {
    requests.push({
      method: req.method ?? '',
      path: req.url ?? '/',
      httpVersion: req.httpVersion,
      headers: req.headers,
      at: Date.now(),
    });
    answer(req, res);
  };
  const server = options.tls
    ? https.createServer({ cert: testCert, key: testKey }, handler)
    : http.createServer(handler);
  const listening = await listen(server, {
    scheme: options.tls ? 'https' : 'http',
    ...(options.host !== undefined ? { host: options.host } : {}),
  });
  return {
    origin: listening.origin,
    port: listening.port,
    get connections() {
      return listening.connections;
    },
    close: listening.close,
    requests,
    get paths() {
      return requests.map((request) => request.path);
    },
    count: (path) => requests.filter((request) => request.path === path).length,
  };
}

/** A TCP server whose handler gets each raw socket: it writes whatever bytes the test needs, or nothing at all. */
export async function startRawServer(
  onConnection: (socket: net.Socket) => void,
  options: Pick<ListenOptions, 'host'> = {},
): Promise<Listening> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    onConnection(socket);
  });
  return listen(server, options);
}

/** A port on 127.0.0.1 that was free a moment ago: connecting to it is refused, or the caller binds it next. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * `http://127.0.0.1:<port>` where nothing listens: connecting is refused. The port is below the kernel's ephemeral
 * range (32768–60999), where the servers other test files start (port 0) are never put: a port that was free a
 * moment ago (freePort) could be taken by one of them before the test connects, turning "refused" into a hang.
 */
export async function closedPortOrigin(): Promise<string> {
  for (;;) {
    const port = 21_000 + Math.floor(Math.random() * 4_000);
    if (!(await connects(port))) return `http://127.0.0.1:${port}`;
  }
}

/** A handler answering `body` as text/plain. */
export const text =
  (body: string, status = 200, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(body);
  };

/** A handler answering a redirect to `location`. */
export const redirectTo =
  (location: string, status = 301): Handler =>
  (_req, res) => {
    res.writeHead(status, { location }).end();
  };

/** Reads a request body in full (servers in tests echo it back). */
export async function readBody(request: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function closeWhenTestEnds(listening: Listening): void {
  try {
    onTestFinished(() => listening.close());
  } catch {
    // Started outside a test (a beforeAll hook): the caller closes it.
  }
}
