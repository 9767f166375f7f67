// The memory frontier remembers the fingerprints of plain GETs per URL: what it queues must be exactly what dedup
// on requestFingerprint queues, for every kind of request, and the same URL met again and again.
import { describe, expect, it } from 'vitest';
import { MemoryFrontier, requestFingerprint } from '../../src/crawler/frontier.js';
import { createRequest, type Request } from '../../src/crawler/request.js';
import { createDedupKey } from '../../src/url/dedup-key.js';

function requests(): Request[] {
  const urls = [
    'https://shop.example/',
    'https://shop.example/?b=2&a=1',
    'https://shop.example/?a=1&b=2',
    'https://shop.example/p?utm_source=x&id=3',
    'https://shop.example/p?id=3',
    'https://SHOP.example:443/p?id=3',
    'https://shop.example/café',
    'https://shop.example/caf%C3%A9',
  ];
  const made: Request[] = [];
  // Each URL many times (a memo remembers a URL from its second sighting), as GET, POST, with bodies and a socket.
  for (let round = 0; round < 4; round++) {
    for (const url of urls) {
      made.push(createRequest(url));
      made.push(createRequest(url, { method: 'POST', body: 'q=1' }));
      made.push(createRequest(url, { method: 'POST', body: 'q=2' }));
      made.push(createRequest(url, { method: 'POST' }));
      made.push(createRequest(url, { body: '' }));
      made.push(createRequest(url, { body: 'x' }));
      made.push(createRequest(url, { websocket: { send: 'hello' } }));
    }
  }
  return made;
}

describe('MemoryFrontier dedup', () => {
  for (const rules of [undefined, { keepQueryOrder: true, dropParams: [], keepParams: [] }]) {
    it(`queues what requestFingerprint tells apart (${rules ? 'query order kept' : 'default rules'})`, () => {
      const frontier = new MemoryFrontier(rules ? { dedup: rules } : {});
      const key = rules ? createDedupKey(rules) : undefined;
      const seen = new Set<bigint>();
      const expected: Request[] = [];
      for (const request of requests()) {
        const fp = requestFingerprint(request, key);
        if (!seen.has(fp)) expected.push(request);
        seen.add(fp);
      }
      const queued = requests().flatMap((request) => frontier.add([request]));
      expect(
        queued.map((r) => `${r.method} ${r.url} ${r.body ?? '-'} ${r.websocket ? 'ws' : ''}`),
      ).toEqual(
        expected.map((r) => `${r.method} ${r.url} ${r.body ?? '-'} ${r.websocket ? 'ws' : ''}`),
      );
      // Not every request is new: the rules fold some spellings together, and each round repeats the first.
      expect(queued.length).toBeLessThan(requests().length / 4);
      expect(queued.length).toBeGreaterThan(20);
      // markSeen answers from the same fingerprints.
      for (const request of requests()) expect(frontier.markSeen(request)).toBe(false);
    });
  }
});
