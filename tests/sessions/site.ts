// A site for the session and proxy tests: it hands each new visitor a cookie and logs, per request, the address it
// came from, its User-Agent and its visitor cookie; a test decides per request whether it is blocked.
import type http from 'node:http';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';

export interface Hit {
  path: string;
  /** The peer address: 127.0.0.1 direct (or via tinyproxy), the SOCKS test server's localAddress otherwise. */
  from: string;
  ua: string;
  /** Every visitor cookie the request carried (more than one would mean jars mixed). */
  visitors: string[];
  status: number;
}

export type Verdict = 'ok' | 'forbidden' | 'challenge';

export interface GuardedSite extends LocalServer {
  hits: Hit[];
}

/** `/` links to /p/1…/p/`pages`; each /p/N shows `<h1>item N</h1>` unless `decide` blocks it. */
export async function startGuardedSite(
  pages: number,
  decide: (hit: Omit<Hit, 'status'>, visitor: string) => Verdict = () => 'ok',
): Promise<GuardedSite> {
  const hits: Hit[] = [];
  let visitors = 0;
  const server = await startLocalServer((req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = req.url ?? '/';
    const carried = [...(req.headers.cookie ?? '').matchAll(/visitor=(\d+)/g)].map(
      (m) => m[1] ?? '',
    );
    let visitor = carried[0];
    if (visitor === undefined) {
      visitor = String(++visitors);
      res.setHeader('set-cookie', `visitor=${visitor}; Path=/`);
    }
    const hit = {
      path,
      from: req.socket.remoteAddress ?? '',
      ua: req.headers['user-agent'] ?? '',
      visitors: carried,
    };
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (path === '/robots.txt') {
      hits.push({ ...hit, status: 404 });
      res.writeHead(404).end();
      return;
    }
    const verdict = decide(hit, visitor);
    if (verdict === 'forbidden') {
      hits.push({ ...hit, status: 403 });
      res.writeHead(403).end('<p>go away</p>');
      return;
    }
    if (verdict === 'challenge') {
      hits.push({ ...hit, status: 200 });
      res.end('<div id="challenge">Checking your browser…</div>');
      return;
    }
    hits.push({ ...hit, status: 200 });
    if (path === '/') {
      const links = Array.from({ length: pages }, (_, i) => `<a href="/p/${i + 1}">${i + 1}</a>`);
      res.end(`<html><body>${links.join(' ')}</body></html>`);
      return;
    }
    res.end(`<html><body><h1>item ${path.slice(3)}</h1></body></html>`);
  });
  return Object.assign(server, { hits });
}
