// The HTTPS servers the TLS tests crawl, one per certificate situation, all from one test PKI.
import type http from 'node:http';
import https from 'node:https';
import { type Listening, listen } from './local-server.js';
import type { TestPki } from './test-pki.js';

export interface TlsSites {
  /** Certificate from the private CA. */
  privateCa: Listening;
  /** Certificate expired in 2020. */
  expired: Listening;
  /** Asks for a client certificate from the client CA and refuses the handshake without one. */
  clientCert: Listening;
  /** TLS 1.2 at most. */
  tls12: Listening;
  close(): Promise<void>;
}

/** Every page is `<title>ok PATH</title>`. */
const page: http.RequestListener = (req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(`<title>ok ${req.url}</title>`);
};

export async function startTlsSites(pki: TestPki): Promise<TlsSites> {
  const { server } = pki;
  const serve = (options: https.ServerOptions) =>
    listen(https.createServer(options, page), { scheme: 'https' });
  const sites = {
    privateCa: await serve({ cert: server.cert, key: server.key }),
    expired: await serve({ cert: pki.expired.cert, key: pki.expired.key }),
    clientCert: await serve({
      cert: server.cert,
      key: server.key,
      ca: pki.clientCa,
      requestCert: true,
      rejectUnauthorized: true,
    }),
    tls12: await serve({ cert: server.cert, key: server.key, maxVersion: 'TLSv1.2' }),
  };
  return {
    ...sites,
    close: async () => {
      await Promise.all(Object.values(sites).map((site) => site.close()));
    },
  };
}
