// The Frontier contract: every backend (memory, SQLite, Redis, and the example user frontier) must pass these.
import { describe, expect, it } from 'vitest';
import type { Frontier } from '../../src/crawler/frontier.js';
import { createRequest, type Request } from '../../src/crawler/request.js';

const always = () => true;
const req = (path: string, init: Parameters<typeof createRequest>[1] = {}) =>
  createRequest(`http://a.test${path}`, init);

async function drain(
  frontier: Frontier,
  isReady: (host: string) => boolean = always,
): Promise<Request[]> {
  const out: Request[] = [];
  for (let i = 0; i < 10_000; i++) {
    const next = await frontier.next(isReady);
    if (!next) break;
    out.push(next);
  }
  return out;
}

/** Waits for a request to become ready (a retry's delay runs on the backend's own clock, Redis's included). */
async function waitForNext(frontier: Frontier, timeoutMs: number): Promise<Request> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const next = await frontier.next(always);
    if (next) return next;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no request became ready within ${timeoutMs} ms`);
}

export interface FrontierFeatures {
  /** The frontier honours the scheduler's local host-readiness predicate (a shared frontier decides in Redis). */
  localReadiness?: boolean;
}

export function runFrontierContract(
  name: string,
  make: () => Promise<Frontier> | Frontier,
  features: FrontierFeatures = { localReadiness: true },
): void {
  describe(`${name} (Frontier contract)`, () => {
    it('queues new requests and drops duplicates by method, URL and body', async () => {
      const frontier = await make();
      const queued = await frontier.add([
        req('/1'),
        req('/1'),
        req('/2'),
        req('/1', { method: 'POST' }),
      ]);
      expect(queued.map((r) => `${r.method} ${r.url}`)).toEqual([
        'GET http://a.test/1',
        'GET http://a.test/2',
        'POST http://a.test/1',
      ]);
      expect(await frontier.size()).toBe(3);
      expect(await frontier.add([req('/2')])).toEqual([]);
      await frontier.close();
    });

    it('hands out higher priorities first, FIFO within a priority', async () => {
      const frontier = await make();
      await frontier.add([req('/low1'), req('/high', { priority: 5 }), req('/low2')]);
      expect((await drain(frontier)).map((r) => r.url)).toEqual([
        'http://a.test/high',
        'http://a.test/low1',
        'http://a.test/low2',
      ]);
      await frontier.close();
    });

    // A shared frontier decides host readiness in Redis, across workers; its own tests cover that.
    if (features.localReadiness) {
      it('skips hosts that are not ready and visits hosts in turn', async () => {
        const frontier = await make();
        await frontier.add([
          createRequest('http://a.test/1'),
          createRequest('http://a.test/2'),
          createRequest('http://b.test/1'),
        ]);
        const onlyB = await frontier.next((host) => host === 'b.test');
        expect(onlyB?.url).toBe('http://b.test/1');
        expect(await frontier.next((host) => host === 'b.test')).toBeUndefined();
        expect((await drain(frontier)).map((r) => r.url)).toEqual([
          'http://a.test/1',
          'http://a.test/2',
        ]);
        await frontier.close();
      });
    }

    it('queues the new children of a completed request, never the request again', async () => {
      const frontier = await make();
      await frontier.add([req('/')]);
      const parent = (await frontier.next(always)) as Request;
      const queued = await frontier.complete(parent, {
        children: [req('/'), req('/a', { depth: 1 }), req('/b', { depth: 1 })],
        items: [{ title: 'home' }],
      });
      expect(queued.map((r) => r.url)).toEqual(['http://a.test/a', 'http://a.test/b']);
      expect((await drain(frontier)).map((r) => r.url)).toEqual([
        'http://a.test/a',
        'http://a.test/b',
      ]);
      await frontier.close();
    });

    it('puts a retried request back with its attempt count, bypassing dedup', async () => {
      const frontier = await make();
      await frontier.add([req('/flaky')]);
      const first = (await frontier.next(always)) as Request;
      await frontier.retry({ ...first, attempt: first.attempt + 1 }, 0);
      const again = (await frontier.next(always)) as Request;
      expect(again.url).toBe(first.url);
      expect(again.attempt).toBe(1);
      await frontier.fail(again, { code: 'AR_NETWORK', message: 'reset' });
      expect(await frontier.next(always)).toBeUndefined();
      expect(await frontier.size()).toBe(0);
      await frontier.close();
    });

    it('holds a retried request back for its delay, counting it as still to do', async () => {
      const frontier = await make();
      await frontier.add([req('/later')]);
      const first = (await frontier.next(always)) as Request;
      const delayMs = 300;
      const retriedAt = Date.now();
      await frontier.retry({ ...first, attempt: 1 }, delayMs);
      expect(await frontier.next(always)).toBeUndefined();
      expect(await frontier.size()).toBe(1);
      const again = await waitForNext(frontier, 5000);
      expect(Date.now() - retriedAt).toBeGreaterThanOrEqual(delayMs - 20);
      expect(again.url).toBe(first.url);
      expect(again.attempt).toBe(1);
      await frontier.complete(again, { children: [], items: [] });
      expect(await frontier.size()).toBe(0);
      await frontier.close();
    });

    it('keeps the items of completed requests when it stores items, in order, past any cursor', async () => {
      const frontier = await make();
      if (!frontier.items) {
        await frontier.close();
        return; // items stay with the crawl (in memory) for this frontier: nothing to check here
      }
      await frontier.add([req('/p1'), req('/p2')]);
      const one = (await frontier.next(always)) as Request;
      const two = (await frontier.next(always)) as Request;
      await frontier.complete(one, { children: [], items: [{ n: 1 }, { n: 2 }] });
      await frontier.complete(two, { children: [], items: [{ n: 3 }] });
      const all = await frontier.items.itemsAfter('', 10);
      expect(all.map((row) => row.item)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      const rest = await frontier.items.itemsAfter((all[0] as { cursor: string }).cursor, 10);
      expect(rest.map((row) => row.item)).toEqual([{ n: 2 }, { n: 3 }]);
      await frontier.items.writeMark('export:test', 'mark-1');
      expect(await frontier.items.readMark('export:test')).toBe('mark-1');
      await frontier.close();
    });

    it('remembers URLs marked seen (redirect targets)', async () => {
      const frontier = await make();
      expect(await frontier.markSeen(req('/final'))).toBe(true);
      expect(await frontier.markSeen(req('/final'))).toBe(false);
      expect(await frontier.add([req('/final')])).toEqual([]);
      await frontier.close();
    });

    // The memory queues keep plain links in a compact form: whatever a request carries must come back as it went in.
    it('gives back plain links and requests with more to them as they were queued', async () => {
      const frontier = await make();
      const queued: Request[] = [
        req('/plain'),
        req('/plain-deep', { handler: 'product', depth: 4, priority: 2 }),
        req('/headers', { headers: { 'X-Token': '1' } }),
        req('/posted', { method: 'POST', body: 'q=1' }),
        req('/rendered', { fetch: 'browser', waitFor: '#list' }),
        req('/with-data', { data: { n: 1 } }),
        { ...req('/by-rule'), rule: 0 },
      ];
      await frontier.add(queued);
      const byUrl = (a: Request, b: Request) => a.url.localeCompare(b.url);
      expect((await drain(frontier)).sort(byUrl)).toEqual([...queued].sort(byUrl));
      await frontier.close();
    });

    it('keeps request data through the queue', async () => {
      const frontier = await make();
      const original = req('/x', { data: { page: 2, tags: ['a'] }, handler: 'detail', depth: 3 });
      await frontier.add([original]);
      expect(await frontier.next(always)).toEqual(original);
      await frontier.close();
    });
  });
}
