/**
 * A TLS alert the server sent after the handshake, kept so the request's error can name it. With TLS 1.3 a server
 * that requires a client certificate refuses it only after the client's handshake is done: the socket reports
 * `ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED`, then its end, and undici fails the request with the end's
 * `other side closed`, losing the alert. The alert is remembered by the socket's local address and port, which
 * undici's SocketError carries.
 */
import type { Socket } from 'node:net';
import type { buildConnector } from 'undici';

const alerts = new Map<string, Error>();
/** The request's error is made within the socket's close; the alert is kept a moment longer, then dropped. */
const KEEP_MS = 5_000;

export function alertingConnector(base: buildConnector.connector): buildConnector.connector {
  if (typeof base !== 'function') return base;
  return (options, callback) =>
    base(options, (error, socket) => {
      if (error === null && options.protocol === 'https:') watch(socket as Socket);
      callback(...([error, socket] as Parameters<buildConnector.Callback>));
    });
}

function watch(socket: Socket): void {
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (!error.code?.startsWith('ERR_SSL_')) return;
    const key = keyOf(socket.localAddress, socket.localPort);
    if (key === undefined) return;
    alerts.set(key, error);
    setTimeout(() => alerts.delete(key), KEEP_MS).unref();
  });
}

/** The alert behind undici's `other side closed`, if its socket had one. */
export function tlsAlertOf(error: unknown): NodeJS.ErrnoException | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const info = (error as { socket?: { localAddress?: string; localPort?: number } }).socket;
  const key = keyOf(info?.localAddress, info?.localPort);
  return key === undefined ? undefined : alerts.get(key);
}

function keyOf(address: string | undefined, port: number | undefined): string | undefined {
  return address === undefined || port === undefined ? undefined : `${address} ${port}`;
}
