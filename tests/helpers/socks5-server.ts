// A SOCKS5 server for the tests (RFC 1928 CONNECT, RFC 1929 username/password): the counterpart of the crawler's
// SOCKS5 support, written here so its counters and refusals can be checked. Not product code.
import net from 'node:net';
import { listen } from './local-server.js';

export interface Socks5Server {
  host: string;
  port: number;
  /** `socks5://user:pass@127.0.0.1:PORT` (or without credentials when none are required). */
  url(credentials?: { user: string; pass: string }): string;
  /** Tunnels opened (after a successful handshake). */
  readonly connections: number;
  /** Authentication attempts refused. */
  readonly authFailures: number;
  /** `host:port` of each tunnel's destination, in order. */
  readonly destinations: string[];
  close(): Promise<void>;
}

export interface Socks5Options {
  /** Clients must authenticate with exactly these credentials (RFC 1929). */
  auth?: { user: string; pass: string };
  /**
   * The address tunnels leave from (e.g. 127.0.0.2): a site on 127.0.0.1 then tells this proxy's requests from
   * another's and from direct ones, as a real site sees each proxy's own IP.
   */
  localAddress?: string;
}

/** Starts the server on 127.0.0.1. */
export async function startSocks5Server(options: Socks5Options = {}): Promise<Socks5Server> {
  const { auth, localAddress } = options;
  let connections = 0;
  let authFailures = 0;
  const destinations: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    handshake(client).catch(() => client.destroy());
  });

  async function handshake(client: net.Socket): Promise<void> {
    const read = reader(client);
    const [version, count = 0] = await read(2);
    if (version !== 5) throw new Error('not SOCKS5');
    const methods = [...(await read(count))];
    const method = auth ? 2 : 0;
    if (!methods.includes(method)) {
      client.end(Buffer.from([5, 0xff]));
      return;
    }
    client.write(Buffer.from([5, method]));
    if (auth) {
      const [, userLength = 0] = await read(2);
      const user = (await read(userLength)).toString('utf8');
      const [passLength = 0] = await read(1);
      const pass = (await read(passLength)).toString('utf8');
      if (user !== auth.user || pass !== auth.pass) {
        authFailures++;
        client.end(Buffer.from([1, 1]));
        return;
      }
      client.write(Buffer.from([1, 0]));
    }
    const [, command, , type] = await read(4);
    let host: string;
    if (type === 1) host = [...(await read(4))].join('.');
    else if (type === 3) host = (await read((await read(1))[0] ?? 0)).toString('latin1');
    else throw new Error('address type not supported by the test server');
    const port = (await read(2)).readUInt16BE(0);
    if (command !== 1) {
      client.end(Buffer.from([5, 7, 0, 1, 0, 0, 0, 0, 0, 0]));
      return;
    }
    const upstream = net.connect({ port, host, ...(localAddress && { localAddress }) });
    upstream.once('error', () => client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])));
    upstream.once('connect', () => {
      connections++;
      destinations.push(`${host}:${port}`);
      client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
      const rest = read.rest();
      if (rest.length > 0) upstream.write(rest);
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  const listening = await listen(server);
  return {
    host: '127.0.0.1',
    port: listening.port,
    url: (credentials) =>
      credentials
        ? `socks5://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@127.0.0.1:${listening.port}`
        : `socks5://127.0.0.1:${listening.port}`,
    get connections() {
      return connections;
    },
    get authFailures() {
      return authFailures;
    },
    destinations,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await listening.close();
    },
  };
}

/** Exact-length reads during the handshake; `rest()` returns what arrived after it and stops reading. */
function reader(socket: net.Socket): ((count: number) => Promise<Buffer>) & { rest(): Buffer } {
  let buffered = Buffer.alloc(0);
  let pending:
    | { count: number; resolve: (bytes: Buffer) => void; reject: (e: Error) => void }
    | undefined;
  const flush = () => {
    if (pending && buffered.length >= pending.count) {
      const { count, resolve } = pending;
      pending = undefined;
      const bytes = buffered.subarray(0, count);
      buffered = buffered.subarray(count);
      resolve(bytes);
    }
  };
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    flush();
  };
  socket.on('data', onData);
  socket.once('close', () => pending?.reject(new Error('closed during the handshake')));
  const read = (count: number) =>
    new Promise<Buffer>((resolve, reject) => {
      pending = { count, resolve, reject };
      flush();
    });
  return Object.assign(read, {
    rest() {
      socket.off('data', onData);
      socket.pause();
      return buffered;
    },
  });
}
