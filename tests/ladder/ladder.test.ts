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

  /** The pages (1-based, after learning) that `plan` compares, answering each comparison with `answer`. */
  async function recheckedPages(
    ladder: Ladder,
    pages: number,
    answer: (page: number) => ReadonlyMap<'http' | 'script', boolean>,
  ): Promise<number[]> {
    const compared: number[] = [];
    for (let page = 1; page <= pages; page++) {
      if ((await ladder.plan('k')).kind !== 'compare') continue;
      compared.push(page);
      await ladder.compared('k', answer(page));
    }
    return compared;
  }

  it('thins re-checks that keep confirming the choice: each halves the share, down to recheckMin', async () => {
    const ladder = new Ladder({
      rungs,
      adaptive: { samples: 1, recheck: 0.25, recheckMin: 1 / 32 },
    });
    await ladder.compared('k', matched(false, true)); // learns script
    // Every 4th page, then every 8th, 16th, 32nd; never wider than 1 / recheckMin.
    expect(await recheckedPages(ladder, 200, () => matched(false, true))).toEqual([
      4, 8, 16, 32, 64, 96, 128, 160, 192,
    ]);
    expect(ladder.snapshot().k).toMatchObject({ rung: 'script', confirmed: 9 });
  });

  it('re-checks at the full share again once the choice moves', async () => {
    const ladder = new Ladder({ rungs, adaptive: { samples: 1, recheck: 0.25 } });
    await ladder.compared('k', matched(false, true));
    // Confirmed at pages 4, 8 and 16; the re-check at page 32 finds script wrong and moves the type to the browser.
    const compared = await recheckedPages(ladder, 60, (page) =>
      page < 32 ? matched(false, true) : matched(false, false),
    );
    expect(compared.slice(0, 4)).toEqual([4, 8, 16, 32]);
    expect(ladder.snapshot().k).toMatchObject({ rung: 'browser', mismatches: 1 });
    // Back to every 4th page from the move on.
    expect(compared.slice(4, 6)).toEqual([36, 40]);
  });

  it('keeps a fixed share when recheckMin equals recheck, and refuses a recheckMin above it', async () => {
    const ladder = new Ladder({ rungs, adaptive: { samples: 1, recheck: 0.25, recheckMin: 0.25 } });
    await ladder.compared('k', matched(false, true));
    expect(await recheckedPages(ladder, 20, () => matched(false, true))).toEqual([
      4, 8, 12, 16, 20,
    ]);
    expect(() => new Ladder({ rungs, adaptive: { recheck: 0.05, recheckMin: 0.1 } })).toThrow(
      /recheckMin \(0\.1\) must not be above recheck \(0\.05\)/,
    );
  });

  it('tells a page that would wait for the samples the rung to download on meanwhile, while one may be chosen', async () => {
    const ladder = new Ladder({ rungs, adaptive: { samples: 3, recheck: 0 } });
    for (let i = 0; i < 3; i++) expect((await ladder.plan('k', true)).kind).toBe('compare');
    // Nothing compared yet: the dearest cheaper rung, which matches wherever a cheaper one does.
    expect(await ladder.plan('k', true)).toEqual({ kind: 'speculate', rung: 'script' });
    await ladder.compared('k', matched(true, true), true);
    expect(await ladder.plan('k', true)).toEqual({ kind: 'speculate', rung: 'http' });
    await ladder.compared('k', matched(false, false), true);
    // Every cheaper rung has missed once: only the browser can answer, so the page waits for the choice.
    let settled = false;
    const waiting = ladder.plan('k', true).then((plan) => {
      settled = true;
      return plan;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    await ladder.compared('k', matched(true, true), true);
    expect(await waiting).toEqual({ kind: 'fetch', rung: 'browser' });
    // Without the flag, a page never speculates (the engine asks again after its speculative download).
    const other = new Ladder({ rungs, adaptive: { samples: 1, recheck: 0 } });
    expect((await other.plan('o')).kind).toBe('compare');
    const plain = other.plan('o');
    await new Promise((resolve) => setImmediate(resolve));
    await other.compared('o', matched(false, true), true);
    expect(await plain).toEqual({ kind: 'fetch', rung: 'script' });
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
