/** The TLS step of `arachne probe`: the handshake as the server offers it, whether or not its certificate verifies. */
import { isIP } from 'node:net';
import tls from 'node:tls';
import { describeTls, type TlsInfo } from '../http/tls-info.js';
import type { TlsSettings } from '../http/transport.js';

export interface TlsResult extends Partial<TlsInfo> {
  /** Handshake time. */
  ms?: number;
  /** The certificate does not name the host (ERR_TLS_CERT_ALTNAME_INVALID's message). */
  hostnameError?: string;
  /** The handshake itself failed. */
  error?: string;
}

export function probeTls(
  address: string,
  port: number,
  host: string,
  timeoutMs = 5000,
  /** Trusted CAs, client certificate, minimum version (`arachne fetch --ca …`); verification is still only reported. */
  settings: TlsSettings = {},
): Promise<TlsResult> {
  const started = performance.now();
  const bare = host.replace(/^\[|\]$/g, '');
  // SNI carries names only (RFC 6066 §3).
  const servername = isIP(bare) ? undefined : bare;
  return new Promise((resolve) => {
    // Verification is reported, not enforced: a probe must show an expired or self-signed chain, not stop at it.
    const socket = tls.connect({
      ...settings,
      host: address,
      port,
      ...(servername && { servername }),
      ALPNProtocols: ['h2', 'http/1.1'],
      rejectUnauthorized: false,
      timeout: timeoutMs,
    });
    const done = (result: TlsResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.once('secureConnect', () => {
      const ms = performance.now() - started;
      const info = describeTls(socket);
      const mismatch = tls.checkServerIdentity(bare, socket.getPeerCertificate());
      done({ ...info, ms, ...(mismatch && { hostnameError: mismatch.message }) });
    });
    socket.once('timeout', () => done({ error: 'ETIMEDOUT' }));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done({ error: error.code ? `${error.code}: ${error.message}` : error.message }),
    );
  });
}
