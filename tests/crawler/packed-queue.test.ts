import { describe, expect, it } from 'vitest';
import { HostQueues } from '../../src/crawler/host-queues.js';
import { HandlerNames, PackedQueue } from '../../src/crawler/packed-queue.js';
import { createRequest, type Request } from '../../src/crawler/request.js';

/** A deterministic generator (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PRIORITY = 3;

/** Requests of every kind a queue meets: plain links (ASCII and not), and ones that must wait as themselves. */
function requestOf(n: number, next: () => number): Request {
  const kind = Math.floor(next() * 8);
  const handler = ['parse', 'product', 'listing'][n % 3] as string;
  const url = `http://shop.test/product/${n}-${'x'.repeat(Math.floor(next() * 200))}`;
  switch (kind) {
    case 0:
      return createRequest(`http://shop.test/caf\u00e9/\u{1f577}/${n}`, {
        handler,
        priority: PRIORITY,
      });
    case 1:
      return createRequest(url, {
        handler,
        priority: PRIORITY,
        headers: { referer: 'http://shop.test/' },
      });
    case 2:
      return createRequest(url, { handler, priority: PRIORITY, data: { n } });
    case 3:
      return createRequest(url, { method: 'POST', body: `n=${n}`, priority: PRIORITY });
    case 4:
      return { ...createRequest(url, { handler, priority: PRIORITY }), attempt: 2 };
    default:
      return createRequest(url, { handler, depth: n % 40, priority: PRIORITY });
  }
}

describe('PackedQueue', () => {
  it('gives back every request in order, equal to what went in, across many chunks', () => {
    const next = random(7);
    const queue = new PackedQueue(new HandlerNames());
    const model: Request[] = [];
    let n = 0;
    // Pushes and shifts interleaved so the queue both grows past many 64 KiB chunks and empties out.
    for (let step = 0; step < 60_000; step++) {
      const grow = step < 40_000 ? next() < 0.7 : next() < 0.3;
      if (grow || model.length === 0) {
        const request = requestOf(n++, next);
        queue.push(request);
        model.push(request);
      } else {
        expect(queue.shift(PRIORITY)).toEqual(model.shift());
      }
      expect(queue.length).toBe(model.length);
    }
    while (model.length > 0) expect(queue.shift(PRIORITY)).toEqual(model.shift());
    expect(queue.length).toBe(0);
  });

  it('keeps a plain link packed and brings it back as a fresh request with the priority asked', () => {
    const queue = new PackedQueue(new HandlerNames());
    const link = createRequest('http://shop.test/p/1', {
      handler: 'product',
      depth: 4,
      priority: 9,
    });
    queue.push(link);
    const back = queue.shift(9);
    expect(back).toEqual(link);
    expect(back).not.toBe(link);
  });

  it('keeps as themselves what does not fit the packing: a URL of 64 KiB, a depth past 65,535', () => {
    const queue = new PackedQueue(new HandlerNames());
    const long = createRequest(`http://shop.test/${'a'.repeat(70_000)}`);
    const deep = createRequest('http://shop.test/deep', { depth: 70_000 });
    const plain = createRequest('http://shop.test/plain');
    for (const request of [long, plain, deep]) queue.push(request);
    expect(queue.shift(0)).toBe(long);
    expect(queue.shift(0)).toEqual(plain);
    expect(queue.shift(0)).toBe(deep);
  });

  it('starts a new chunk for an entry that does not fit the rest of the current one', () => {
    const queue = new PackedQueue(new HandlerNames());
    const requests = Array.from({ length: 3 }, (_, i) =>
      createRequest(`http://shop.test/${String(i).repeat(40_000)}`),
    );
    for (const request of requests) queue.push(request);
    for (const request of requests) expect(queue.shift(0)).toEqual(request);
  });

  it('keeps a broad crawl small: 10,000 hosts with one link each take about 1 KiB apiece', () => {
    const queues = new HostQueues();
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 10_000; i++) queues.push(createRequest(`http://host-${i}.test/`));
    const grown = process.memoryUsage().arrayBuffers - before;
    // A 64 KiB buffer per host would be 655 MB.
    expect(grown).toBeLessThan(20 * 1024 * 1024);
    let taken = 0;
    while (queues.next(() => true)) taken++;
    expect(taken).toBe(10_000);
  });
});
