// A tiny HTTP server on 127.0.0.1:0 serving fixed pages, with a log of the paths it was asked for.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback.js';

export type Route = string | ((req: IncomingMessage, res: ServerResponse) => void);

export interface SiteServer {
  origin: string;
  hits: string[];
  close(): Promise<void>;
}

export async function startSite(routes: Record<string, Route>): Promise<SiteServer> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.push(path);
    const route = routes[path];
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    } else if (typeof route === 'string') {
      const type = path.endsWith('.txt') ? 'text/plain' : 'text/html; charset=utf-8';
      res.writeHead(200, { 'content-type': type }).end(route);
    } else {
      route(req, res);
    }
  });
  const { origin, close } = await listenOnLoopback(server);
  return { origin, hits, close };
}
