// Local HTTP fixtures for the robots tests: a route table on 127.0.0.1:0 that counts hits, and one-hop fetchers.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request } from 'undici';
import type { RobotsResponse } from '../../src/robots/index.js';
import { listenOnLoopback } from '../helpers/loopback.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface LocalServer {
  origin: string;
  /** Requests per path. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

export async function startServer(routes: Record<string, Handler>): Promise<LocalServer> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes[path];
    if (route) route(req, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  const { origin, close } = await listenOnLoopback(server);
  return { origin, hits, close };
}

/** A port that was just listening and is now closed: connecting to it is refused. */
export async function closedPortOrigin(): Promise<string> {
  const server = await startServer({});
  await server.close();
  return server.origin;
}

export const text =
  (body: string, status = 200, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(body);
  };

export const redirectTo =
  (location: string, status = 301): Handler =>
  (_req, res) => {
    res.writeHead(status, { location }).end();
  };

/** One request, no redirects (undici's `request` never follows them), as RobotsCache expects. */
export async function oneHopFetch(url: string): Promise<RobotsResponse> {
  const response = await request(url, { headersTimeout: 5000, bodyTimeout: 5000 });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { status: response.statusCode, headers, body: await response.body.text() };
}

/** Raw bytes of a 2xx response, undefined otherwise (the shape collectSitemapUrls expects). */
export async function bytesFetch(url: string): Promise<Buffer | undefined> {
  const response = await request(url, { headersTimeout: 5000, bodyTimeout: 5000 });
  const body = Buffer.from(await response.body.arrayBuffer());
  return response.statusCode >= 200 && response.statusCode < 300 ? body : undefined;
}
