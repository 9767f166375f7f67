// --dns on the command line (crawl, fetch, probe) and in crawl(): a local site reached by a name only dnsmasq
// knows, DNS counted in the stats, and the egress guard (as API jobs run) still judging the resolved address.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stats } from '../../src/crawler/stats.js';
import { crawl, defineSpider } from '../../src/index.js';
import type { ProbeReport } from '../../src/probe/probe.js';
import { type DnsServer, dnsmasqUp, startDnsmasq } from '../helpers/dnsmasq.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';
import { runCli } from '../helpers/run-cli.js';

const up = await dnsmasqUp();

describe.skipIf(!up)('crawling with --dns', () => {
  let dnsmasq: DnsServer;
  let site: LocalServer;
  let dir: string;
  beforeAll(async () => {
    dnsmasq = await startDnsmasq({ records: { 'site.test': ['127.0.0.1'] } });
    // `connection: close` on every answer: each request opens a connection, and so looks the name up.
    const page = (body: string) => (_req: unknown, res: import('node:http').ServerResponse) =>
      res.writeHead(200, { 'content-type': 'text/html', connection: 'close' }).end(body);
    site = await startLocalServer({
      '/': page('<title>home</title><a href="/a">a</a> <a href="/b">b</a>'),
      '/a': page('<title>a</title>'),
      '/b': page('<title>b</title>'),
    });
    dir = await mkdtemp(join(tmpdir(), 'arachne-dns-'));
  });
  afterAll(async () => {
    await dnsmasq?.close();
    await site?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reaches a site by a name only the given server knows, and counts lookups and cache hits', async () => {
    const out = join(dir, 'out.jsonl');
    const statsFile = join(dir, 'stats.json');
    const start = `http://site.test:${site.port}/`;
    const result = await runCli([
      'crawl',
      start,
      '--dns',
      dnsmasq.server,
      '--dns-prefer',
      'ipv4',
      '-o',
      out,
      '--stats',
      statsFile,
      '--no-progress',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const urls = (await readFile(out, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { url: string }).url)
      .sort();
    expect(urls).toEqual([start, `${start}a`, `${start}b`]);
    const stats = JSON.parse(await readFile(statsFile, 'utf8')) as Stats;
    // Three pages, each on its own connection (robots.txt may share one); dnsmasq was asked once (TTL 2 s).
    expect(stats.dnsLookups).toBeGreaterThanOrEqual(3);
    expect(stats.dnsCacheHits).toBe(stats.dnsLookups - 1);
    expect(result.stdout).toMatch(/dns {13}\d+ lookups, \d+ from the cache, \d+ ms waiting/);
  });

  it('fails the name without --dns (the system resolver does not know it)', async () => {
    const result = await runCli([
      'crawl',
      `http://site.test:${site.port}/`,
      '-o',
      join(dir, 'none.jsonl'),
      '--retries',
      '0',
      '--no-progress',
    ]);
    expect(result.stdout).toMatch(/failed {10}1 \(AR_NETWORK: 1\)/);
  });

  it('refuses a bad server address before crawling', async () => {
    const result = await runCli(['crawl', `http://site.test:${site.port}/`, '--dns', 'nope nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('DNS server must be address[:port], got "nope nope"');
  });

  it('keeps the egress guard on the resolved address: allowPrivate false refuses site.test (127.0.0.1)', async () => {
    const sink = memorySink();
    const spider = defineSpider({
      name: 'guarded',
      start: [`http://site.test:${site.port}/`],
      *parse(page) {
        yield { url: page.url };
      },
    });
    const stats = await crawl(spider, {
      logLevel: 'silent',
      output: sink,
      dns: [dnsmasq.server],
      allowPrivate: false,
      retries: 0,
      robots: false,
    });
    expect(sink.items).toEqual([]);
    expect(stats.errorsByCode).toEqual({ AR_EGRESS_DENIED: 1 });
    expect(stats.dnsLookups).toBeGreaterThanOrEqual(1);
  });

  it('arachne fetch --dns fetches through the given server', async () => {
    const result = await runCli([
      'fetch',
      `http://site.test:${site.port}/a`,
      '--dns',
      dnsmasq.server,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^200 OK {2}http:\/\/site\.test:\d+\/a/);
    expect(result.stdout).toContain('<title>a</title>');
  });

  it('arachne probe --dns asks the given server for DNS, and fetches the page and robots.txt through it', async () => {
    const result = await runCli([
      'probe',
      `http://site.test:${site.port}/`,
      '--dns',
      dnsmasq.server,
      '--no-icmp',
      '--json',
    ]);
    const report = JSON.parse(result.stdout) as ProbeReport;
    expect(report.dns).toMatchObject({
      source: 'dns',
      servers: [dnsmasq.server],
      answers: [{ address: '127.0.0.1', family: 4, ttl: 2 }],
    });
    expect(report.tcp[0]?.ms).toBeGreaterThanOrEqual(0);
    expect(report.http).toMatchObject({ status: 200, url: `http://site.test:${site.port}/` });
    expect(report.robots).toMatchObject({ status: 404, allowed: true });
    expect(result.code).toBe(0);
  });
});
