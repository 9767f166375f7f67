/**
 * `arachne probe URL`: why a crawl of this URL fails, step by step — DNS, TCP to each address, TLS, HTTP, robots.txt
 * and ICMP echo —, each step's outcome kept even when an earlier one failed, so the first broken layer is plain.
 */
import { createClient } from '../http/client.js';
import { DnsCache } from '../http/dns-cache.js';
import { parseRobots } from '../robots/index.js';
import { defaultUserAgent } from '../version.js';
import { type DnsResult, probeDns } from './dns.js';
import { type IcmpResult, probeIcmp } from './icmp.js';
import { probeTcp, type TcpResult } from './tcp.js';
import { probeTls, type TlsResult } from './tls.js';

export interface HttpResult {
  status?: number;
  url?: string;
  redirects?: string[];
  timings?: {
    dnsMs: number;
    connectMs: number;
    tlsMs: number;
    firstByteMs: number;
    totalMs: number;
  };
  error?: string;
}

export interface RobotsResult {
  robotsUrl: string;
  /** The robots.txt answer's status; absent when it could not be fetched. */
  status?: number;
  /** Whether a crawl with `userAgent` may fetch the URL (RFC 9309: 4xx allows all, 5xx or unreachable allows none). */
  allowed: boolean;
  userAgent: string;
  /** The Crawl-delay for `userAgent`, in ms. */
  crawlDelayMs?: number;
  error?: string;
}

export interface ProbeReport {
  url: string;
  dns: DnsResult;
  tcp: TcpResult[];
  tls?: TlsResult;
  http: HttpResult;
  robots: RobotsResult;
  icmp?: IcmpResult;
}

export interface ProbeOptions {
  /** DNS servers to ask instead of the system's. */
  dns?: readonly string[];
  timeoutMs?: number;
  userAgent?: string;
  /** Skip the ICMP echo. */
  icmp?: boolean;
}

const TLS_SCHEMES = new Set(['https:', 'wss:', 'ftps:', 'imaps:', 'pop3s:']);
const DEFAULT_PORTS: Record<string, number> = {
  'http:': 80,
  'https:': 443,
  'ws:': 80,
  'wss:': 443,
  'ftp:': 21,
  'ftps:': 21,
  'sftp:': 22,
  'imap:': 143,
  'imaps:': 993,
  'pop3:': 110,
  'pop3s:': 995,
};

/** Runs every step against `url` (an absolute URL; http(s) gets the HTTP and robots.txt steps). */
export async function probe(url: URL, options: ProbeOptions = {}): Promise<ProbeReport> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const userAgent = options.userAgent ?? defaultUserAgent;
  const port = url.port === '' ? (DEFAULT_PORTS[url.protocol] ?? 80) : Number(url.port);
  const dns = await probeDns(url.hostname, {
    ...(options.dns && { servers: options.dns }),
    timeoutMs,
  });
  const tcp = await Promise.all(
    dns.answers.map((answer) => probeTcp(answer.address, port, timeoutMs)),
  );
  const reachable = tcp.find((result) => result.ms !== undefined);
  // FTPS here is implicit-TLS only in name: explicit FTPS starts in clear text, so only direct TLS schemes are shaken.
  const tls =
    reachable && TLS_SCHEMES.has(url.protocol) && url.protocol !== 'ftps:'
      ? await probeTls(reachable.address, port, url.hostname, timeoutMs)
      : undefined;
  const web = url.protocol === 'http:' || url.protocol === 'https:';
  const [http, robots] = web
    ? await probeWeb(url, userAgent, timeoutMs, options.dns)
    : [
        { error: `no HTTP step for ${url.protocol} URLs` },
        { robotsUrl: '', allowed: true, userAgent, error: 'robots.txt applies to http(s) only' },
      ];
  const icmp =
    options.icmp === false || !dns.answers[0]
      ? undefined
      : await probeIcmp(dns.answers[0].address, 3, timeoutMs);
  return { url: url.href, dns, tcp, ...(tls && { tls }), http, robots, ...(icmp && { icmp }) };
}

async function probeWeb(
  url: URL,
  userAgent: string,
  timeoutMs: number,
  servers: readonly string[] | undefined,
): Promise<[HttpResult, RobotsResult]> {
  // With --dns the page and robots.txt are fetched through those servers too, as a crawl with --dns would.
  const lookup = servers?.length ? new DnsCache({ servers }).lookup : undefined;
  const client = createClient({
    retries: 0,
    timeoutMs,
    userAgent,
    ...(lookup && { transport: { lookup } }),
  });
  try {
    const robotsUrl = new URL('/robots.txt', url).href;
    const [page, robotsTxt] = await Promise.allSettled([
      client.get(url.href),
      client.get(robotsUrl),
    ]);
    const http: HttpResult =
      page.status === 'fulfilled'
        ? {
            status: page.value.status,
            url: page.value.url,
            redirects: page.value.redirects,
            timings: page.value.timings,
          }
        : { error: messageOf(page.reason) };
    let robots: RobotsResult;
    if (robotsTxt.status === 'rejected') {
      robots = { robotsUrl, allowed: false, userAgent, error: messageOf(robotsTxt.reason) };
    } else {
      const { status } = robotsTxt.value;
      if (status >= 200 && status < 300) {
        const rules = parseRobots(robotsTxt.value.body);
        const delay = rules.crawlDelayMs(userAgent);
        robots = {
          robotsUrl,
          status,
          allowed: rules.isAllowed(userAgent, url.href),
          userAgent,
          ...(delay !== undefined && { crawlDelayMs: delay }),
        };
      } else {
        robots = { robotsUrl, status, allowed: status < 500, userAgent };
      }
    }
    return [http, robots];
  } finally {
    await client.close();
  }
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
