import { describe, expect, it } from 'vitest';
import { sameOutputs } from '../../src/crawler/ladder/compare.js';
import { Ladder, type LadderEntry, type LadderStore } from '../../src/crawler/ladder/ladder.js';
import { request } from '../../src/index.js';

const rungs = ['http', 'script', 'browser'] as const;
const matched = (http: boolean, script: boolean) =>
  new Map([
    ['http', http],
    ['script', script],
  ] as const);

function memoryStore(): LadderStore & { entries: Map<string, LadderEntry> } {
  const entries = new Map<string, LadderEntry>();
  return {
    entries,
    get: async (key) => structuredClone(entries.get(key)),
    set: async (key, entry) => void entries.set(key, structuredClone(entry)),
    all: async () => Object.fromEntries(entries),
  };
}

describe('Ladder', () => {
  it('compares every rung while learning, then settles on the cheapest that matched every sample', async () => {
    const ladder = new Ladder({ rungs, adaptive: { samples: 2, recheck: 0 } });
    const key = ladder.keyOf('https://shop.test/list/1', 'list');
    expect(key).toBe('shop.test list');
    expect(await ladder.plan(key)).toEqual({ kind: 'compare', rungs, sample: true });
    await ladder.compared(key, matched(false, true), true);
    expect(await ladder.plan(key)).toEqual({ kind: 'compare', rungs, sample: true });
    await ladder.compared(key, matched(false, true), true);
    expect(await ladder.plan(key)).toEqual({ kind: 'fetch', rung: 'script' });
  });

  it('while learning, lets only the samples it needs run; other pages wait for the choice', async () => {
    const ladder = new Ladder({ rungs, adaptive: { samples: 2, recheck: 0 } });
    const first = await ladder.plan('k');
    const second = await ladder.plan('k');
    let third: unknown;
    const waiting = ladder.plan('k').then((plan) => (third = plan));
    await new Promise((resolve) => setImmediate(resolve));
    expect([first, second]).toEqual([
      { kind: 'compare', rungs, sample: true },
      { kind: 'compare', rungs, sample: true },
    ]);
    expect(third).toBeUndefined();
    // A sample abandoned (its page is retried) frees its place: the waiting page takes it.
    ladder.abandoned('k');
    await waiting;
    expect(third).toEqual({ kind: 'compare', rungs, sample: true });
    // Two samples in flight again: a fourth page waits, and goes on the chosen rung once both are compared.
    let fourth: unknown;
    const later = ladder.plan('k').then((plan) => (fourth = plan));
    await new Promise((resolve) => setImmediate(resolve));
    expect(fourth).toBeUndefined();
    await ladder.compared('k', matched(true, false), true);
    await ladder.compared('k', matched(true, false), true);
    await later;
    expect(fourth).toEqual({ kind: 'fetch', rung: 'http' });
  });

  it('settles on the browser when no cheaper rung matched every sample', async () => {
    const ladder = new Ladder({ rungs, adaptive: { samples: 2, recheck: 0 } });
    await ladder.compared('k', matched(true, true));
    await ladder.compared('k', matched(false, false));
    expect(await ladder.plan('k')).toEqual({ kind: 'fetch', rung: 'browser' });
  });

  it('re-checks every 1/recheck-th page against the browser, with the cheaper rungs', async () => {
    const ladder = new Ladder({ rungs, adaptive: { samples: 1, recheck: 0.25 } });
    await ladder.compared('k', matched(false, true)); // learns script
    const plans = [];
    for (let i = 0; i < 4; i++) plans.push(await ladder.plan('k'));
    const compares = plans.filter((plan) => plan.kind === 'compare');
    expect(compares).toEqual([{ kind: 'compare', rungs }]);
  });

  it('moves up to the cheapest rung that matched on a mismatch, down after `samples` matches in a row', async () => {
    const ladder = new Ladder({ rungs, adaptive: { samples: 2, recheck: 1 } });
    await ladder.compared('k', matched(true, true));
    await ladder.compared('k', matched(true, true));
    expect(ladder.snapshot().k?.rung).toBe('http');
    await ladder.compared('k', matched(false, true));
    expect(ladder.snapshot().k).toMatchObject({ rung: 'script', mismatches: 1 });
    await ladder.compared('k', matched(true, true));
    expect(ladder.snapshot().k?.rung).toBe('script');
    await ladder.compared('k', matched(true, true));
    expect(ladder.snapshot().k?.rung).toBe('http');
  });

  it('moves up one rung when the rung in use fails a page; nothing above the browser', async () => {
    const ladder = new Ladder({ rungs, adaptive: { samples: 1, recheck: 0 } });
    await ladder.compared('k', matched(true, true));
    expect(await ladder.failed('k', 'http')).toBe('script');
    expect(ladder.snapshot().k).toMatchObject({ rung: 'script', mismatches: 1 });
    expect(await ladder.failed('k', 'script')).toBe('browser');
    expect(await ladder.failed('k', 'browser')).toBeUndefined();
    expect(ladder.snapshot().k?.rung).toBe('browser');
  });

  it('keeps entries in its store: a new ladder over the same store resumes the choice', async () => {
    const store = memoryStore();
    const first = new Ladder({ rungs, adaptive: { samples: 1, recheck: 0 }, store });
    await first.compared('k', matched(false, true));
    const second = new Ladder({ rungs, adaptive: { samples: 1, recheck: 0 }, store });
    await second.load();
    expect(await second.plan('k')).toEqual({ kind: 'fetch', rung: 'script' });
  });

  it('takes a choice another worker settled while it was still learning', async () => {
    const store = memoryStore();
    const mine = new Ladder({ rungs, adaptive: { samples: 3, recheck: 0 }, store });
    const other = new Ladder({ rungs, adaptive: { samples: 1, recheck: 0 }, store });
    await other.compared('k', matched(true, true));
    expect(await mine.plan('k')).toEqual({ kind: 'fetch', rung: 'http' });
  });

  it('keys page types by host, handler and the first matching pattern (path glob or RegExp)', () => {
    const ladder = new Ladder({ rungs, adaptive: { patterns: ['/product/*', /[?&]view=app/] } });
    expect(ladder.keyOf('https://a.test/product/1', 'detail')).toBe('a.test detail /product/*');
    expect(ladder.keyOf('https://a.test/product/1/reviews', 'detail')).toBe('a.test detail');
    expect(ladder.keyOf('https://b.test/x?view=app', 'detail')).toBe(
      'b.test detail /[?&]view=app/',
    );
  });
});

describe('sameOutputs', () => {
  const child = (url: string) => request(url, { handler: 'detail' });
  it('compares items and followed requests, in any order', () => {
    const a = {
      items: [{ a: 1, b: 2 }],
      children: [child('https://x.test/1'), child('https://x.test/2')],
    };
    const b = {
      items: [{ b: 2, a: 1 }],
      children: [child('https://x.test/2'), child('https://x.test/1')],
    };
    expect(sameOutputs(a, b)).toBe(true);
  });

  it('does not take an empty listing for one that follows links', () => {
    expect(
      sameOutputs(
        { items: [], children: [] },
        { items: [], children: [child('https://x.test/1')] },
      ),
    ).toBe(false);
  });

  it('tells requests apart by handler', () => {
    const other = request('https://x.test/1', { handler: 'list' });
    expect(
      sameOutputs(
        { items: [], children: [child('https://x.test/1')] },
        { items: [], children: [other] },
      ),
    ).toBe(false);
  });
});
