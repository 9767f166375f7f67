/**
 * A minimal POP3 client (RFC 1939, STLS from RFC 2595): the read-only commands a crawl needs, USER/PASS, UIDL,
 * LIST, RETR, QUIT. There is deliberately no DELE: a crawl never removes a message. POP3 is a small line protocol,
 * and the npm clients for it are unmaintained, so it is written here over net/tls.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { TlsSettings } from '../http/transport.js';

/** Where and how to connect; the password is given to `login` only, never stored. */
export interface Pop3ConnectOptions {
  /** Address to connect to (already checked by the egress guard when that applies). */
  host: string;
  port: number;
  /** TLS from the first byte (pop3s:); otherwise STLS is tried and the session stays plain if refused. */
  secure: boolean;
  /** The name the certificate must carry (SNI too), when `host` is an address resolved from it. */
  servername: string;
  /** The crawl's TLS settings (trusted CAs, client certificate, insecure, minimum version). */
  tls?: TlsSettings | undefined;
  /** Cap on the greeting and on each command's answer. */
  timeoutMs: number;
}

/** The server answered `-ERR` (the text after it, which servers keep free of secrets). */
export class Pop3ReplyError extends Error {
  override name = 'Pop3ReplyError';
}

/** The connection failed, closed early or timed out. */
export class Pop3ConnectionError extends Error {
  override name = 'Pop3ConnectionError';
  constructor(
    message: string,
    readonly timedOut = false,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const LF = 0x0a;

export class Pop3Client {
  #socket: net.Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #failure: Error | undefined;
  #wake: (() => void) | undefined;
  readonly #timeoutMs: number;

  private constructor(socket: net.Socket, timeoutMs: number) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    this.#listen();
  }

  /** Connects, reads the greeting and, on a plain connection, upgrades to TLS when the server accepts STLS. */
  static async connect(options: Pop3ConnectOptions): Promise<Pop3Client> {
    const socket = await open(options);
    const client = new Pop3Client(socket, options.timeoutMs);
    try {
      await client.#reply();
      if (!options.secure) await client.#tryStartTls(options);
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }

  /** @throws Pop3ReplyError when the server refuses the user or the password. */
  async login(user: string, password: string): Promise<void> {
    await this.#command(`USER ${oneLine(user)}`);
    await this.#command(`PASS ${oneLine(password)}`);
  }

  /** Message number by unique id (UIDL), for the messages of this session. */
  async uidl(): Promise<Map<string, number>> {
    const byId = new Map<string, number>();
    for (const line of await this.#multiline('UIDL')) {
      const [number, id] = line.toString('latin1').trim().split(/\s+/);
      if (number !== undefined && id !== undefined) byId.set(id, Number(number));
    }
    return byId;
  }

  /** Size in octets by message number. */
  async list(): Promise<Map<number, number>> {
    const sizes = new Map<number, number>();
    for (const line of await this.#multiline('LIST')) {
      const [number, size] = line.toString('latin1').trim().split(/\s+/);
      if (number !== undefined && size !== undefined) sizes.set(Number(number), Number(size));
    }
    return sizes;
  }

  /** The whole message, CRLF line ends, dot-stuffing undone. RETR leaves the message on the server. */
  async retr(number: number): Promise<Buffer> {
    const crlf = Buffer.from('\r\n');
    return Buffer.concat((await this.#multiline(`RETR ${number}`)).flatMap((line) => [line, crlf]));
  }

  /** The headers of a message and its first `lines` body lines (TOP, optional in RFC 1939); `undefined` if refused. */
  async top(number: number, lines: number): Promise<Buffer | undefined> {
    try {
      const crlf = Buffer.from('\r\n');
      return Buffer.concat(
        (await this.#multiline(`TOP ${number} ${lines}`)).flatMap((line) => [line, crlf]),
      );
    } catch (error) {
      if (error instanceof Pop3ReplyError) return undefined;
      throw error;
    }
  }

  /** QUIT, then close; errors are ignored (the session is over either way). */
  async quit(): Promise<void> {
    try {
      if (this.#failure === undefined) await this.#command('QUIT');
    } catch {
      // A server gone before QUIT changes nothing: POP3 commits nothing without DELE.
    } finally {
      this.close();
    }
  }

  close(): void {
    this.#socket.destroy();
  }

  /** Whether the connection still works (a failed one is replaced, not reused). */
  get usable(): boolean {
    return this.#failure === undefined && !this.#socket.destroyed;
  }

  async #tryStartTls(options: Pop3ConnectOptions): Promise<void> {
    try {
      await this.#command('STLS');
    } catch (error) {
      if (error instanceof Pop3ReplyError) return; // no STLS: the session stays plain, as the URL said
      throw error;
    }
    this.#socket.removeAllListeners('data');
    const plain = this.#socket;
    this.#socket = await upgrade(plain, options);
    this.#listen();
  }

  #listen(): void {
    const socket = this.#socket;
    socket.setTimeout(0);
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#notify();
    });
    socket.on('timeout', () => {
      this.#fail(new Pop3ConnectionError('no answer in time', true));
      socket.destroy();
    });
    socket.on('error', (error) =>
      this.#fail(new Pop3ConnectionError(error.message, false, { cause: error })),
    );
    socket.on('close', () => this.#fail(new Pop3ConnectionError('connection closed')));
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #command(line: string): Promise<string> {
    this.#send(line);
    return this.#reply();
  }

  async #multiline(line: string): Promise<Buffer[]> {
    await this.#command(line);
    const lines: Buffer[] = [];
    for (;;) {
      const next = await this.#line();
      if (next.length === 1 && next[0] === 0x2e) return lines;
      // A leading dot is doubled by the server (byte-stuffing): drop one.
      lines.push(next[0] === 0x2e ? next.subarray(1) : next);
    }
  }

  #send(line: string): void {
    if (this.#failure) throw this.#failure;
    this.#socket.write(`${line}\r\n`);
  }

  /** One status line: the text after `+OK`. @throws Pop3ReplyError on `-ERR`. */
  async #reply(): Promise<string> {
    const line = (await this.#line()).toString('utf8');
    if (line.startsWith('+OK')) return line.slice(3).trim();
    if (line.startsWith('-ERR')) throw new Pop3ReplyError(line.slice(4).trim() || 'refused');
    throw new Pop3ConnectionError(`not a POP3 answer: ${line.slice(0, 60)}`);
  }

  /** The next line without its CRLF (or LF). Waits for data; the socket timeout bounds each wait. */
  async #line(): Promise<Buffer> {
    for (;;) {
      const end = this.#buffer.indexOf(LF);
      if (end !== -1) {
        const line = this.#buffer.subarray(
          0,
          end > 0 && this.#buffer[end - 1] === 0x0d ? end - 1 : end,
        );
        this.#buffer = this.#buffer.subarray(end + 1);
        return line;
      }
      if (this.#failure) throw this.#failure;
      this.#socket.setTimeout(this.#timeoutMs);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#socket.setTimeout(0);
    }
  }
}

function open(options: Pop3ConnectOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket: net.Socket = options.secure
      ? tls.connect({
          host: options.host,
          port: options.port,
          servername: tlsServername(options.servername),
          ...options.tls,
        })
      : net.connect({ host: options.host, port: options.port });
    settle(socket, options, options.secure ? 'secureConnect' : 'connect', resolve, reject);
  });
}

function upgrade(plain: net.Socket, options: Pop3ConnectOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      socket: plain,
      host: options.servername, // what the certificate is checked against
      servername: tlsServername(options.servername),
      ...options.tls,
    });
    settle(socket, options, 'secureConnect', resolve, reject);
  });
}

function settle(
  socket: net.Socket,
  options: Pop3ConnectOptions,
  ready: 'connect' | 'secureConnect',
  resolve: (socket: net.Socket) => void,
  reject: (error: Error) => void,
): void {
  socket.setTimeout(options.timeoutMs);
  const onError = (error: Error) => {
    socket.destroy();
    reject(new Pop3ConnectionError(error.message, false, { cause: error }));
  };
  const onTimeout = () => {
    socket.destroy();
    reject(new Pop3ConnectionError('connect timed out', true));
  };
  socket.once('error', onError);
  socket.once('timeout', onTimeout);
  socket.once(ready, () => {
    socket.off('error', onError);
    socket.off('timeout', onTimeout);
    socket.setTimeout(0);
    resolve(socket);
  });
}

/** SNI takes host names only (Node warns on an address); the certificate check still uses `checkServerIdentity`. */
function tlsServername(name: string): string | undefined {
  return net.isIP(name) === 0 ? name : undefined;
}

/** A CR or LF in a user name or password would start another command. */
function oneLine(text: string): string {
  if (/[\r\n]/.test(text)) throw new Pop3ReplyError('user name or password contains a line break');
  return text;
}
