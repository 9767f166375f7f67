/**
 * Chromium cannot authenticate to SOCKS5 proxies (it speaks SOCKS5 without auth only). A relay bridges the gap: a
 * no-auth SOCKS5 listener on 127.0.0.1 that opens each tunnel through the authenticated upstream proxy (RFC 1929,
 * by the `socks` package). It only listens on loopback, and only this process knows its port.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { SocksClient } from 'socks';

export interface SocksRelay {
  /** `socks5://127.0.0.1:PORT`, for Chromium's proxy setting. */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts a relay to `upstream` (a socks5:// or socks5h:// URL with credentials). */
export async function startSocksRelay(upstream: URL): Promise<SocksRelay> {
  const proxy = {
    host: upstream.hostname,
    port: Number(upstream.port) || 1080,
    type: 5 as const,
    userId: decodeURIComponent(upstream.username),
    password: decodeURIComponent(upstream.password),
  };
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    relay(client, proxy).catch(() => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `socks5://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

type Upstream = Parameters<typeof SocksClient.createConnection>[0]['proxy'];

/** One client: greeting (no auth), CONNECT request, then the upstream tunnel, piped both ways. */
async function relay(client: Socket, proxy: Upstream): Promise<void> {
  const reader = bytesOf(client);
  const [version, methods = 0] = await reader(2);
  if (version !== 5) throw new Error('not SOCKS5');
  await reader(methods);
  client.write(Buffer.from([5, 0]));
  const [, command, , type] = await reader(4);
  let host: string;
  if (type === 1) host = [...(await reader(4))].join('.');
  else if (type === 3) host = (await reader((await reader(1))[0] ?? 0)).toString('latin1');
  else if (type === 4) {
    const raw = await reader(16);
    host = Array.from({ length: 8 }, (_, i) => raw.readUInt16BE(i * 2).toString(16)).join(':');
  } else throw new Error('bad address type');
  const port = (await reader(2)).readUInt16BE(0);
  if (command !== 1) {
    client.end(Buffer.from([5, 7, 0, 1, 0, 0, 0, 0, 0, 0]));
    return;
  }
  let upstream: Socket;
  try {
    ({ socket: upstream } = await SocksClient.createConnection({
      proxy,
      command: 'connect',
      destination: { host, port },
      timeout: 10_000,
    }));
  } catch {
    // General failure: Chromium reports ERR_SOCKS_CONNECTION_FAILED, the crawl a browser error naming the URL.
    client.end(Buffer.from([5, 1, 0, 1, 0, 0, 0, 0, 0, 0]));
    return;
  }
  client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
  const rest = reader.rest();
  if (rest.length > 0) upstream.write(rest);
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
  client.pipe(upstream);
  upstream.pipe(client);
  client.resume();
}

/** Reads exact byte counts from a socket during the handshake; `rest()` hands back what came after it. */
function bytesOf(socket: Socket): ((count: number) => Promise<Buffer>) & { rest(): Buffer } {
  let buffered = Buffer.alloc(0);
  let want: { count: number; resolve: (bytes: Buffer) => void } | undefined;
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    drain();
  };
  const drain = () => {
    if (want && buffered.length >= want.count) {
      const { count, resolve } = want;
      want = undefined;
      const bytes = buffered.subarray(0, count);
      buffered = buffered.subarray(count);
      resolve(bytes);
    }
  };
  socket.on('data', onData);
  const read = (count: number) =>
    new Promise<Buffer>((resolve, reject) => {
      want = { count, resolve };
      socket.once('close', () => reject(new Error('closed during the handshake')));
      drain();
    });
  return Object.assign(read, {
    rest() {
      socket.off('data', onData);
      socket.pause();
      return buffered;
    },
  });
}
