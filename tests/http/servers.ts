/** Test servers on 127.0.0.1, port 0: an HTTP one, an HTTPS one, and a raw TCP one for misbehaviour. */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { testCert, testKey } from './fixtures/tls.js';

export interface TestServer {
  /** `http://127.0.0.1:<port>` (or https). */
  origin: string;
  port: number;
  /** TCP connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

export async function startServer(handler: http.RequestListener): Promise<TestServer> {
  return listen(http.createServer(handler), 'http');
}

export async function startHttpsServer(handler: http.RequestListener): Promise<TestServer> {
  return listen(https.createServer({ cert: testCert, key: testKey }, handler), 'https');
}

/** The handler gets the raw socket: it writes whatever bytes the test needs, or nothing at all. */
export async function startRawServer(
  onConnection: (socket: net.Socket) => void,
): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return accepted;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function listen(server: http.Server, scheme: 'http' | 'https'): Promise<TestServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const result: TestServer = {
    origin: `${scheme}://127.0.0.1:${port}`,
    port,
    connections: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  // https emits 'secureConnection' per TLS session, but 'connection' per TCP socket on both.
  server.on('connection', () => {
    result.connections++;
  });
  return result;
}

/** Reads a request body in full (servers in tests echo it back). */
export async function readBody(request: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
