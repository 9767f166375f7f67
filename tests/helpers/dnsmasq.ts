// A real DNS server for the tests: Debian's dnsmasq in the foreground on a loopback port, authoritative for
// `.test` (names it does not hold are NXDOMAIN), and a "server" that receives queries and never answers.
import dgram from 'node:dgram';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { startDaemon } from './daemon.js';
import { freePort } from './local-server.js';
import { requireService } from './services.js';

export const dnsmasqPath = '/usr/sbin/dnsmasq';

/** Whether the DNS tests run (skip without dnsmasq, fail with ARACHNE_REQUIRE_SERVICES=1). */
export const dnsmasqUp = () =>
  requireService(`dnsmasq at ${dnsmasqPath}`, () => access(dnsmasqPath, constants.X_OK));

export interface DnsServer {
  port: number;
  /** `127.0.0.1:PORT`, as --dns takes it. */
  server: string;
  close(): Promise<void>;
}

export interface DnsmasqOptions {
  /** Addresses per name (`site.test: ['127.0.0.1', '::1']`); names should end in `.test`. */
  records: Record<string, readonly string[]>;
  /** TTL of the answers, in seconds. @default 2 */
  ttl?: number;
}

export async function startDnsmasq(options: DnsmasqOptions): Promise<DnsServer> {
  const port = await freePort();
  const records = Object.entries(options.records).map(
    ([name, addresses]) => `--host-record=${name},${addresses.join(',')}`,
  );
  const daemon = await startDaemon({
    name: 'dnsmasq',
    command: dnsmasqPath,
    args: [
      '--keep-in-foreground',
      `--port=${port}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      '--conf-file=/dev/null',
      '--pid-file=',
      '--user=root',
      '--log-facility=-',
      // Authoritative for .test: unknown names are NXDOMAIN, a missing family NODATA (not REFUSED).
      '--local=/test/',
      `--local-ttl=${options.ttl ?? 2}`,
      ...records,
    ],
    // dnsmasq answers on TCP as on UDP, on the same port: accepting a connection means it is serving.
    port,
  });
  return { port, server: `127.0.0.1:${port}`, close: () => daemon.close() };
}

/** A UDP socket on a free port that reads queries and never answers: a dead DNS server. */
export async function startSilentDnsServer(): Promise<DnsServer & { queries(): number }> {
  const socket = dgram.createSocket('udp4');
  let queries = 0;
  socket.on('message', () => queries++);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = socket.address();
  return {
    port,
    server: `127.0.0.1:${port}`,
    queries: () => queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
