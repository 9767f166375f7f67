import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AutoThrottle,
  type AutoThrottleSettings,
  type ThrottledSlots,
} from '../../src/crawler/autothrottle/autothrottle.js';
import { type CrawlOptions, crawl, defineSpider } from '../../src/index.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';
import { makeProject, startTestServer } from '../server/server-helpers.js';

const pages = 60;

interface Site {
  server: LocalServer;
  host: string;
  /** Requests in flight at the server when each request arrived (itself included), in arrival order. */
  inFlightAtArrival: number[];
  /** The status each request was answered with, in arrival order. */
  statuses: number[];
}

/**
 * A site of `/` linking to /p0…/p{pages-1}, whose server slows down with load: each request is answered after
 * `baseMs + perRequestMs × in flight` (server timers), or at once with a 503 when more than `refuseAbove` are in
 * flight. robots.txt is a 404 (the crawls here skip it anyway).
 */
async function loadSensitiveSite(
  options: { baseMs: number; perRequestMs: number; refuseAbove?: number } = {
    baseMs: 20,
    perRequestMs: 10,
  },
): Promise<Site> {
  const inFlightAtArrival: number[] = [];
  const statuses: number[] = [];
  let inFlight = 0;
  const body = `<!doctype html><html><body>${Array.from(
    { length: pages },
    (_, i) => `<a href="/p${i}">${i}</a>`,
  ).join('')}</body></html>`;
  const server = await startLocalServer((req, res) => {
    inFlight++;
    res.on('close', () => inFlight--);
    inFlightAtArrival.push(inFlight);
    if (options.refuseAbove !== undefined && inFlight > options.refuseAbove) {
      statuses.push(503);
      res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
      return;
    }
    statuses.push(req.url === '/robots.txt' ? 404 : 200);
    setTimeout(
      () => {
        if (req.url === '/robots.txt') res.writeHead(404).end();
        else res.writeHead(200, { 'content-type': 'text/html' }).end(req.url === '/' ? body : 'ok');
      },
      options.baseMs + options.perRequestMs * inFlight,
    );
  });
  return { server, host: new URL(server.origin).hostname, inFlightAtArrival, statuses };
}

const spider = (start: string) =>
  defineSpider({
    name: 'load',
    start: [start],
    *parse(page) {
      for (const link of page.links()) yield page.follow(link);
    },
  });

const base: CrawlOptions = { logLevel: 'silent', robots: false, perHost: 8, concurrency: 32 };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** The in-flight counts of the second half of the crawl, once the throttle had time to settle. */
const settled = (site: Site) => site.inFlightAtArrival.slice(site.inFlightAtArrival.length / 2);

describe('autothrottle', () => {
  it('holds the requests in flight near the target on a server that slows with load; without it they sit at perHost', async () => {
    const control = await loadSensitiveSite();
    const plain = await crawl(spider(`${control.server.origin}/`), base);
    expect(plain.responses).toBe(pages + 1);
    expect(plain.autothrottle).toBeUndefined();
    // Without it the crawl fills perHost; the median stays clear of the throttled band (1–3) below even when a busy
    // machine delays this process's event loop, which staggers arrivals (a median of 5 was seen under full load).
    expect(Math.max(...settled(control))).toBeGreaterThanOrEqual(7);
    expect(median(settled(control))).toBeGreaterThanOrEqual(4);

    const site = await loadSensitiveSite();
    const stats = await crawl(spider(`${site.server.origin}/`), {
      ...base,
      autothrottle: { targetConcurrency: 2, startDelayMs: 0 },
    });
    expect(stats.responses).toBe(pages + 1);
    const inFlight = settled(site);
    expect(median(inFlight)).toBeGreaterThanOrEqual(1);
    expect(median(inFlight)).toBeLessThanOrEqual(3);
    expect(Math.max(...inFlight)).toBeLessThanOrEqual(8);
    // The delay it settled on is about latency / target: 20 ms + 10 ms × ~2 in flight, halved.
    const host = stats.autothrottle?.[site.host];
    expect(host).toBeDefined();
    expect(host?.delayMs).toBeGreaterThanOrEqual(10);
    expect(host?.delayMs).toBeLessThanOrEqual(60);
    expect(host?.concurrency).toBeLessThanOrEqual(8);
  });

  it("holds them there with the delay alone (Scrapy's rule) when the limit is pinned at perHost", async () => {
    const site = await loadSensitiveSite();
    const stats = await crawl(spider(`${site.server.origin}/`), {
      ...base,
      autothrottle: { targetConcurrency: 2, startDelayMs: 0, minConcurrency: 8 },
    });
    expect(stats.responses).toBe(pages + 1);
    expect(stats.autothrottle?.[site.host]?.concurrency).toBe(8);
    expect(median(settled(site))).toBeLessThanOrEqual(3);
  });

  it('lowers the requests in flight below the level a server refuses with 503, and the 503s stop', async () => {
    const refuseAbove = 3;
    const options = { baseMs: 20, perRequestMs: 0, refuseAbove };
    const control = await loadSensitiveSite(options);
    const plain = await crawl(spider(`${control.server.origin}/`), { ...base, retries: 0 });
    const refused = (site: Site) => site.statuses.filter((status) => status === 503).length;
    // Without the throttle the server refuses all along: most of the pages fail.
    expect(plain.failed).toBeGreaterThan(pages / 2);
    expect(refused(control)).toBe(plain.failed);

    const site = await loadSensitiveSite(options);
    const stats = await crawl(spider(`${site.server.origin}/`), {
      ...base,
      retries: 5,
      // It aims at perHost: only the 503s hold it back.
      autothrottle: { targetConcurrency: 8, startDelayMs: 0 },
    });
    expect(stats.failed).toBe(0);
    expect(stats.items).toBe(0);
    expect(stats.responses - refused(site)).toBe(pages + 1);
    expect(refused(site)).toBeGreaterThan(0);
    expect(stats.autothrottle?.[site.host]?.concurrency).toBeLessThanOrEqual(refuseAbove);
    // Every 503 came early: the second half of the crawl saw none.
    expect(site.statuses.slice(site.statuses.length / 2)).not.toContain(503);
    expect(Math.max(...settled(site))).toBeLessThanOrEqual(refuseAbove);
  });

  it('never goes below delayMs: the floor wins over the latency', async () => {
    const site = await loadSensitiveSite({ baseMs: 1, perRequestMs: 0 });
    const stats = await crawl(spider(`${site.server.origin}/`), {
      ...base,
      delayMs: 30,
      maxPages: 8,
      autothrottle: { targetConcurrency: 4, startDelayMs: 0 },
    });
    expect(stats.autothrottle?.[site.host]?.delayMs).toBe(30);
    // Turns are booked 30 ms apart; one arrival may lag its turn (a new connection), so the span is what is judged.
    const arrivals = site.server.requests.map((request) => request.at);
    expect(arrivals).toHaveLength(8);
    const span = (arrivals.at(-1) as number) - (arrivals[0] as number);
    expect(span).toBeGreaterThanOrEqual(30 * 6);
  });

  it('refuses settings it does not know and an empty concurrency range', async () => {
    const start = spider('http://127.0.0.1:9/');
    await expect(
      crawl(start, {
        ...base,
        autothrottle: { targetConcurency: 2 } as unknown as { targetConcurrency: number },
      }),
    ).rejects.toThrow(
      /unknown key "targetConcurency" in autothrottle \(did you mean "targetConcurrency"\?\)/,
    );
    await expect(
      crawl(start, { ...base, autothrottle: { minConcurrency: 4, maxConcurrency: 2 } }),
    ).rejects.toThrow(/autothrottle.minConcurrency \(4\) must not exceed/);
    await expect(crawl(start, { ...base, autothrottle: { targetConcurrency: 0 } })).rejects.toThrow(
      'autothrottle.targetConcurrency must be an integer from 1 to 1024, got 0',
    );
  });

  it('works end to end through the CLI flags, with a debug line per change and the state in the stats', async () => {
    const site = await loadSensitiveSite();
    const dir = await mkdtemp(join(tmpdir(), 'arachne-throttle-'));
    const statsFile = join(dir, 'stats.json');
    const result = await runCli([
      'crawl',
      `${site.server.origin}/`,
      '-O',
      join(dir, 'pages.jsonl'),
      '--no-robots',
      '--autothrottle',
      '--autothrottle-target',
      '2',
      '--autothrottle-start-delay-ms',
      '0',
      '--autothrottle-max-delay-ms',
      '5000',
      '--stats',
      statsFile,
      '--no-progress',
      '--log-level',
      'debug',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(
        `DEBUG autothrottle ${site.host}: delay \\d+ ms, \\d+ in flight \\(\\w+, latency \\d+ ms\\)`,
      ),
    );
    const stats = JSON.parse(await readFile(statsFile, 'utf8'));
    expect(stats.responses).toBe(pages + 1);
    expect(stats.autothrottle[site.host].concurrency).toBeLessThanOrEqual(8);
    expect(median(settled(site))).toBeLessThanOrEqual(3);
  });

  it('is a job option of the server', async () => {
    const site = await loadSensitiveSite();
    const t = await startTestServer({ project: await makeProject(), allowPrivate: true });
    try {
      const bad = await t.api('POST', '/api/jobs', {
        url: `${site.server.origin}/`,
        options: { autothrottle: { targetConcurrency: 0 } },
      });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('options.autothrottle');
      const response = await t.api('POST', '/api/jobs', {
        url: `${site.server.origin}/`,
        options: { robots: false, autothrottle: { targetConcurrency: 2, startDelayMs: 0 } },
      });
      expect(response.status, response.text).toBe(201);
      const job = await t.waitForStatus(response.json.job.id, ['finished', 'failed']);
      expect(job.status).toBe('finished');
      expect(job.stats?.autothrottle?.[site.host]?.concurrency).toBeLessThanOrEqual(8);
      expect(median(settled(site))).toBeLessThanOrEqual(3);
    } finally {
      await t.close();
    }
  });
});

/** Host slots as the scheduler keeps them, for the throttle's rules alone. */
function slots(floorMs = 0, inFlight = 0) {
  const tuned: Record<string, { delayMs: number; concurrency: number }> = {};
  const target: ThrottledSlots & { inFlight: number } = {
    inFlight,
    floorOf: () => floorMs,
    inFlightOf: () => target.inFlight,
    tune: (host, delayMs, concurrency) => {
      tuned[host] = { delayMs, concurrency };
    },
  };
  return { target, tuned };
}

const settings = (given: Partial<AutoThrottleSettings> = {}): AutoThrottleSettings => ({
  targetConcurrency: 2,
  startDelayMs: 1000,
  maxDelayMs: 60_000,
  minConcurrency: 1,
  maxConcurrency: undefined,
  ...given,
});

describe('the throttle rules', () => {
  it("moves the delay halfway toward latency / target, at once when that is longer (Scrapy's rule)", () => {
    const { target, tuned } = slots();
    const throttle = new AutoThrottle(settings(), 8, target);
    throttle.observe('a', { latencyMs: 200, status: 200, startedAt: performance.now() });
    expect(tuned.a?.delayMs).toBe(550); // (1000 + 100) / 2
    throttle.observe('a', { latencyMs: 200, status: 200, startedAt: performance.now() });
    expect(tuned.a?.delayMs).toBe(325);
    throttle.observe('a', { latencyMs: 2000, status: 200, startedAt: performance.now() });
    expect(tuned.a?.delayMs).toBe(1000);
  });

  it('never shortens the delay on a response other than 200, and keeps it between the floor and maxDelayMs', () => {
    const { target, tuned } = slots();
    const throttle = new AutoThrottle(settings({ maxDelayMs: 1500 }), 8, target);
    throttle.observe('a', { latencyMs: 10, status: 404, startedAt: performance.now() });
    expect(tuned.a?.delayMs).toBe(1000);
    throttle.observe('a', { latencyMs: 100_000, status: 200, startedAt: performance.now() });
    expect(tuned.a?.delayMs).toBe(1500);
    // A Crawl-delay over maxDelayMs wins: politeness first.
    const floored = slots(5000);
    new AutoThrottle(settings({ maxDelayMs: 1500 }), 8, floored.target).observe('a', {
      latencyMs: 10,
      status: 200,
      startedAt: performance.now(),
    });
    expect(floored.tuned.a?.delayMs).toBe(5000);
  });

  it('halves the limit once per overload, not once per request that was already in flight', () => {
    const { target, tuned } = slots();
    const throttle = new AutoThrottle(settings({ targetConcurrency: 8 }), 8, target);
    const before = performance.now();
    for (let i = 0; i < 5; i++)
      throttle.observe('a', { latencyMs: 5, status: 503, startedAt: before });
    expect(tuned.a?.concurrency).toBe(4);
    throttle.observe('a', { latencyMs: 5, status: undefined, startedAt: performance.now() });
    expect(tuned.a?.concurrency).toBe(2);
    for (let i = 0; i < 3; i++)
      throttle.observe('a', { latencyMs: 5, status: 429, startedAt: performance.now() });
    expect(tuned.a?.concurrency).toBe(1);
  });

  it('raises the limit only while it binds, never above perHost', () => {
    const { target, tuned } = slots(0, 0);
    const throttle = new AutoThrottle(settings({ maxConcurrency: 50 }), 3, target);
    expect(throttle.start.concurrency).toBe(2);
    for (let i = 0; i < 10; i++)
      throttle.observe('a', { latencyMs: 50, status: 200, startedAt: performance.now() });
    expect(tuned.a?.concurrency).toBe(2);
    target.inFlight = 10;
    for (let i = 0; i < 20; i++)
      throttle.observe('a', { latencyMs: 50, status: 200, startedAt: performance.now() });
    expect(tuned.a?.concurrency).toBe(3);
  });
});
