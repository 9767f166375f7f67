/** The DNS step of `arachne probe`: every A and AAAA answer with its TTL, and which servers were asked. */
import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface DnsAnswer {
  address: string;
  family: 4 | 6;
  /** Seconds the answer may be cached; absent when it came from the hosts file or was a literal. */
  ttl?: number;
}

export interface DnsResult {
  host: string;
  /** `dns`: asked the servers; `system`: the OS resolver (hosts file, nsswitch) after DNS had no answer; `literal`: an IP. */
  source: 'dns' | 'system' | 'literal';
  /** The DNS servers asked, `address[:port]`. */
  servers: string[];
  answers: DnsAnswer[];
  ms: number;
  /** Why the name did not resolve (`ENOTFOUND`, `ETIMEOUT`…), when it did not. */
  error?: string;
}

export interface DnsProbeOptions {
  /** DNS servers to ask instead of the system's (`127.0.0.1:5353`). */
  servers?: readonly string[];
  timeoutMs?: number;
}

export async function probeDns(host: string, options: DnsProbeOptions = {}): Promise<DnsResult> {
  const started = performance.now();
  const bare = host.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4 || family === 6) {
    return { host, source: 'literal', servers: [], answers: [{ address: bare, family }], ms: 0 };
  }
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 5000, tries: 2 });
  if (options.servers?.length) resolver.setServers([...options.servers]);
  const servers = resolver.getServers();
  const [v4, v6] = await Promise.allSettled([
    resolver.resolve4(bare, { ttl: true }),
    resolver.resolve6(bare, { ttl: true }),
  ]);
  const answers: DnsAnswer[] = [
    ...(v4.status === 'fulfilled' ? v4.value.map((a) => ({ ...a, family: 4 as const })) : []),
    ...(v6.status === 'fulfilled' ? v6.value.map((a) => ({ ...a, family: 6 as const })) : []),
  ];
  if (answers.length > 0) {
    return { host, source: 'dns', servers, answers, ms: performance.now() - started };
  }
  const reason = v4.status === 'rejected' ? codeOf(v4.reason) : 'ENODATA';
  // A name only the hosts file knows (localhost, a test name): what a crawl would connect to, unless servers were
  // named, in which case the crawl asks them alone.
  if (!options.servers?.length) {
    const system = await lookup(bare, { all: true }).catch(() => []);
    if (system.length > 0) {
      return {
        host,
        source: 'system',
        servers,
        answers: system.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 })),
        ms: performance.now() - started,
      };
    }
  }
  return {
    host,
    source: 'dns',
    servers,
    answers: [],
    ms: performance.now() - started,
    error: reason,
  };
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : String(error);
}
