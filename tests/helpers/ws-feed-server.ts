/**
 * A real `ws` WebSocket server (on an HTTP or HTTPS server of its own, loopback, port 0) serving feeds by path, with
 * a log of each upgrade: its headers, the messages the client sent and the close code it ended with.
 *
 * - `/ticks?n=N`: after the first message from the client (the subscription), N JSON messages
 *   `{"tick":i,"url":"<http origin>/item/i"}`; the connection then stays open.
 * - `/stream`: a text message `m<i>` every 10 ms until the client closes.
 * - `/close-after?n=N`: N text messages, then the server closes (1000).
 * - `/binary`: a binary message (bytes 0, 1, 2, 255), then the text `done`.
 * - `/echo-headers`: one JSON message holding the upgrade's headers.
 * - `/set-cookie`: the 101 sets the cookie `feed=on`; one text message `ok`.
 * - `/denied`: the upgrade is answered 403 with a short body.
 * - `/login` (plain HTTP): sets the cookie `sid=abc123` and links to nothing; anything else over HTTP is a 404.
 */
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { testCert, testKey } from '../http/fixtures/tls.js';
import { type Listening, listen } from './local-server.js';

export interface Upgrade {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Messages the client sent, as text. */
  received: string[];
  /** The close code the connection ended with (1000: a normal close by the client); undefined while open. */
  closeCode?: number;
}

export interface FeedServer extends Listening {
  /** `ws://127.0.0.1:<port>` (or wss://). */
  wsOrigin: string;
  /** Every upgrade asked for, in order (the denied ones too). */
  upgrades: Upgrade[];
  /** Resolves once `count` upgrades have closed. */
  closed(count: number): Promise<void>;
}

export async function startFeedServer(options: { tls?: boolean } = {}): Promise<FeedServer> {
  const upgrades: Upgrade[] = [];
  const closeWaiters: Array<{ count: number; resolve: () => void }> = [];
  const noteClosed = () => {
    const done = upgrades.filter((upgrade) => upgrade.closeCode !== undefined).length;
    for (const waiter of closeWaiters.splice(0)) {
      if (done >= waiter.count) waiter.resolve();
      else closeWaiters.push(waiter);
    }
  };
  let httpOrigin = '';
  const answer = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.url === '/login') {
      res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': 'sid=abc123; Path=/' });
      res.end('<p>logged in</p>');
    } else if (req.url?.startsWith('/item/')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<h1>${req.url.slice(6)}</h1>`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  };
  const server = options.tls
    ? https.createServer({ cert: testCert, key: testKey }, answer)
    : http.createServer(answer);
  const wss = new WebSocketServer({ noServer: true });
  wss.on('headers', (headers: string[], req: http.IncomingMessage) => {
    if (req.url === '/set-cookie') headers.push('Set-Cookie: feed=on; Path=/');
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const upgrade: Upgrade = { path: req.url ?? '/', headers: req.headers, received: [] };
    upgrades.push(upgrade);
    if (url.pathname === '/denied') {
      socket.end(
        'HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: 7\r\nconnection: close\r\n\r\nno feed',
      );
      upgrade.closeCode = 403;
      noteClosed();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data) => upgrade.received.push(String(data)));
      ws.on('close', (code) => {
        upgrade.closeCode = code;
        noteClosed();
      });
      serve(ws, url, httpOrigin, req.headers);
    });
  });
  const listening = await listen(server, { scheme: options.tls ? 'https' : 'http' });
  httpOrigin = listening.origin;
  return {
    ...listening,
    get connections() {
      return listening.connections;
    },
    wsOrigin: listening.origin.replace(/^http/, 'ws'),
    upgrades,
    closed: (count) =>
      new Promise<void>((resolve) => {
        closeWaiters.push({ count, resolve });
        noteClosed();
      }),
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await listening.close();
    },
  };
}

function serve(
  ws: WebSocket,
  url: URL,
  httpOrigin: string,
  headers: http.IncomingHttpHeaders,
): void {
  const n = Number(url.searchParams.get('n') ?? '0');
  switch (url.pathname) {
    case '/ticks':
      ws.once('message', () => {
        for (let i = 0; i < n; i++)
          ws.send(JSON.stringify({ tick: i, url: `${httpOrigin}/item/${i}` }));
      });
      break;
    case '/stream': {
      let i = 0;
      const timer = setInterval(() => ws.send(`m${i++}`), 10);
      ws.on('close', () => clearInterval(timer));
      break;
    }
    case '/close-after':
      for (let i = 0; i < n; i++) ws.send(`m${i}`);
      ws.close(1000, 'done');
      break;
    case '/binary':
      ws.send(Buffer.from([0, 1, 2, 255]), { binary: true });
      ws.send('done');
      break;
    case '/set-cookie':
      ws.send('ok');
      break;
    case '/echo-headers':
      ws.send(JSON.stringify(headers));
      break;
    default:
      ws.close(1008, 'unknown feed');
  }
}
