/** Spider contracts: validated by defineSpider, compared with a handler's output by contractBreaches. */
import { describe, expect, it } from 'vitest';
import { contractBreaches } from '../../src/crawler/contract-breaches.js';
import { type Contract, contractsToRun } from '../../src/crawler/contracts.js';
import { ConfigError, defineSpider } from '../../src/index.js';

/** A spider with `parse` and `detail` handlers and these contracts, given untyped (as a loaded file may). */
function spiderWith(contracts: unknown) {
  return defineSpider({
    name: 'shop',
    start: 'http://127.0.0.1/',
    contracts: contracts as Record<string, Contract[]>,
    parse() {},
    detail() {},
  });
}

describe('defineSpider contracts', () => {
  it('keeps valid contracts; exact counts and ranges (null or Infinity for "at least") become ranges', () => {
    const spider = defineSpider({
      name: 'shop',
      start: 'http://127.0.0.1/',
      contracts: {
        parse: [{ url: 'http://127.0.0.1/', returns: { items: 0, requests: [1, null] } }],
        detail: [
          {
            url: 'https://127.0.0.1/p/1',
            data: { id: 1 },
            returns: { items: [1, Number.POSITIVE_INFINITY], requests: [0, 2] },
            scrapes: ['title', 'price'],
            fetch: 'http',
          },
        ],
      },
      parse() {},
      detail() {},
    });
    expect(contractsToRun(spider.contracts)).toEqual([
      {
        handler: 'parse',
        url: 'http://127.0.0.1/',
        data: {},
        scrapes: [],
        items: { min: 0, max: 0 },
        requests: { min: 1, max: Number.POSITIVE_INFINITY },
      },
      {
        handler: 'detail',
        url: 'https://127.0.0.1/p/1',
        data: { id: 1 },
        scrapes: ['title', 'price'],
        items: { min: 1, max: Number.POSITIVE_INFINITY },
        requests: { min: 0, max: 2 },
        fetch: 'http',
      },
    ]);
  });

  it('types contract keys against the handlers', () => {
    const define = () =>
      defineSpider({
        name: 'typed',
        start: 'http://127.0.0.1/',
        contracts: {
          // @ts-expect-error: no handler "detial"
          detial: [{ url: 'http://127.0.0.1/' }],
        },
        parse() {},
        detail() {},
      });
    expect(define).toThrow(ConfigError);
  });

  it.each([
    [
      { detial: [{ url: 'http://127.0.0.1/' }] },
      'name the handler "detial", which the spider does not have (it has: parse, detail)',
    ],
    [{ parse: { url: 'http://127.0.0.1/' } }, 'contracts.parse of spider "shop" must be a list'],
    [[], 'must be an object of handler name → contracts'],
    [{ parse: [{}] }, 'contracts.parse[0] of spider "shop": url is required'],
    [{ parse: [{ url: '/relative' }] }, 'url "/relative" is not an absolute URL'],
    [{ parse: [{ url: 'ftp://127.0.0.1/' }] }, 'must be http: or https:'],
    [
      { parse: [{ url: 'http://127.0.0.1/', returns: { items: -1 } }] },
      'returns.items must be a whole number ≥ 0',
    ],
    [
      { parse: [{ url: 'http://127.0.0.1/', returns: { items: 1.5 } }] },
      'returns.items must be a whole number ≥ 0',
    ],
    [
      { parse: [{ url: 'http://127.0.0.1/', returns: { requests: [3, 1] } }] },
      'returns.requests: max 1 is below min 3',
    ],
    [
      { parse: [{ url: 'http://127.0.0.1/', returns: { requests: [1] } }] },
      'returns.requests must be a whole number or [min, max]',
    ],
    [
      { parse: [{ url: 'http://127.0.0.1/', returns: { items: [-1, 2] } }] },
      '[min, max] takes whole numbers ≥ 0',
    ],
    [
      { parse: [{ url: 'http://127.0.0.1/', returns: { item: 1 } }] },
      'unknown key "item" in returns of contracts.parse[0]',
    ],
    [
      { parse: [{ url: 'http://127.0.0.1/', return: { items: 1 } }] },
      'unknown key "return" in contracts.parse[0] of spider "shop" (did you mean "returns"?)',
    ],
    [
      { parse: [{ url: 'http://127.0.0.1/', scrapes: 'title' }] },
      'scrapes must be a list of field names',
    ],
    [{ parse: [{ url: 'http://127.0.0.1/', data: [1] }] }, 'data must be an object'],
    [{ parse: [{ url: 'http://127.0.0.1/', fetch: 'curl' }] }, "unknown fetch 'curl'"],
  ])('refuses %j with a ConfigError', (contracts, message) => {
    expect(() => spiderWith(contracts)).toThrow(ConfigError);
    expect(() => spiderWith(contracts)).toThrow(message);
  });
});

describe('contractBreaches', () => {
  const [contract] = contractsToRun({
    detail: [
      {
        url: 'http://127.0.0.1/',
        returns: { items: [1, 3], requests: 0 },
        scrapes: ['title', 'price'],
      },
    ],
  });
  if (contract === undefined) throw new Error('no contract');

  it('is empty when the counts are in range and every field is filled', () => {
    expect(
      contractBreaches(
        contract,
        [
          { title: 'A', price: 0 },
          { title: 'B', price: '2' },
        ],
        0,
      ),
    ).toEqual([]);
  });

  it('names each breach: counts as expected/got, fields by how many items miss them', () => {
    const items = [
      { title: 'A', price: null },
      { title: '  ', price: [] },
      { title: 'C' },
      { title: 'D', price: 4 },
    ];
    expect(contractBreaches(contract, items, 2)).toEqual([
      'items: expected 1 to 3, got 4',
      'requests: expected 0, got 2',
      'scrapes: title missing in 1 of 4 items',
      'scrapes: price missing in 3 of 4 items',
    ]);
  });

  it('says "at least" for an open range, and that there was nothing to check the fields in', () => {
    const [atLeast] = contractsToRun({
      d: [{ url: 'http://127.0.0.1/', returns: { items: [2, null] }, scrapes: ['title'] }],
    });
    if (atLeast === undefined) throw new Error('no contract');
    expect(contractBreaches(atLeast, [], 0)).toEqual([
      'items: expected at least 2, got 0',
      'scrapes: no items to check for title',
    ]);
  });
});
