import { describe, expect, it } from 'vitest';
import { requestFingerprint } from '../../src/crawler/frontier.js';
import { classifyOutput } from '../../src/crawler/output.js';
import { reviveRequest } from '../../src/crawler/request.js';
import { startRequests } from '../../src/crawler/start-requests.js';
import { ConfigError, OutputError } from '../../src/errors.js';
import { Response } from '../../src/http/response.js';
import { createRequest, defineSpider, isRequest, Page, request } from '../../src/index.js';

const at = 'http://127.0.0.1/list';

function pageAt(url: string): Page {
  const start = createRequest(url);
  const response = new Response({
    url,
    status: 200,
    headers: { 'content-type': 'text/html' },
    body: Buffer.from('<a href="/b">b</a>'),
    request: start,
    timings: { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: 0 },
  });
  return new Page(start, response);
}

/** The message classifyOutput throws for `value`, asserting it is an OutputError with the stable code. */
function refusal(value: unknown, handler = 'parse'): string {
  try {
    classifyOutput(value, handler, at);
  } catch (error) {
    expect(error).toBeInstanceOf(OutputError);
    expect((error as OutputError).code).toBe('AR_BAD_OUTPUT');
    expect((error as OutputError).handler).toBe(handler);
    return (error as Error).message;
  }
  throw new Error(`accepted ${String(value)}`);
}

describe('requests are recognised by their tag', () => {
  it('tags what createRequest, request() and page.follow make', () => {
    const followed = pageAt(at).follow('/b', 'detail');
    for (const made of [createRequest(at), request(at), followed]) {
      expect(made['@arachne']).toBe('request');
      expect(isRequest(made)).toBe(true);
      expect(classifyOutput(made, 'parse', at)).toEqual({ kind: 'request', request: made });
    }
    expect(followed).toMatchObject({ url: 'http://127.0.0.1/b', handler: 'detail', depth: 1 });
  });

  it('keeps a spread copy a request', () => {
    const spread = { ...pageAt(at).follow('/b'), priority: 5 };
    const sorted = classifyOutput(spread, 'parse', at);
    expect(sorted.kind).toBe('request');
    expect(sorted.kind === 'request' && sorted.request.priority).toBe(5);
  });

  it('keeps a request through a JSON round trip (how SQLite and Redis store it)', () => {
    const original = request(at, {
      handler: 'api',
      data: { page: 2 },
      method: 'post',
      body: 'q=1',
    });
    const back: unknown = JSON.parse(JSON.stringify(original));
    expect(isRequest(back)).toBe(true);
    expect(classifyOutput(back, 'parse', at)).toEqual({ kind: 'request', request: original });
    expect(reviveRequest(JSON.stringify(original))).toEqual(original);
  });

  it('revives a request stored by a version without the tag', () => {
    const { '@arachne': _tag, ...legacy } = createRequest(at, { handler: 'detail', depth: 2 });
    const json = JSON.stringify(legacy);
    expect(isRequest(JSON.parse(json))).toBe(false);
    const revived = reviveRequest(json);
    expect(isRequest(revived)).toBe(true);
    expect(revived).toEqual(createRequest(at, { handler: 'detail', depth: 2 }));
  });

  it('leaves the fingerprint alone: method, URL and body only', () => {
    const tagged = createRequest(at, { method: 'POST', body: 'x' });
    const { '@arachne': _tag, ...untagged } = tagged;
    expect(requestFingerprint(untagged as typeof tagged)).toBe(requestFingerprint(tagged));
  });
});

describe('classifyOutput', () => {
  it('takes plain objects as items, null-prototype ones included', () => {
    const item = { title: 'a', nested: { url: at } };
    expect(classifyOutput(item, 'parse', at)).toEqual({ kind: 'item', item });
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { n: 1 });
    expect(classifyOutput(bare, 'parse', at)).toEqual({ kind: 'item', item: bare });
  });

  it('refuses a string with a one-line message naming the handler and the page', () => {
    expect(refusal('abc', 'detail')).toBe(
      `handler "detail" yielded a string ("abc"), not an item (plain object) or a request (page.follow, request()) — at ${at}`,
    );
  });

  it.each([
    [42, 'a number (42)'],
    [true, 'a boolean (true)'],
    [10n, 'a bigint (10n)'],
    [Symbol('s'), 'a symbol (Symbol(s))'],
    [null, 'null'],
    [undefined, 'undefined'],
    [[{ a: 1 }], 'an array (yield* it to yield its elements)'],
    [new Date(0), 'an instance of Date'],
    [new Map(), 'an instance of Map'],
    [pageAt(at), 'an instance of Page'],
    [function detail() {}, 'a function (detail)'],
    [Promise.resolve({ a: 1 }), 'a promise (await it)'],
    ['x'.repeat(100), `a string ("${'x'.repeat(40)}…")`],
  ])('refuses %s', (value, what) => {
    expect(refusal(value)).toBe(
      `handler "parse" yielded ${what}, not an item (plain object) or a request (page.follow, request()) — at ${at}`,
    );
  });

  it('refuses an item that uses the reserved key for something else', () => {
    expect(refusal({ '@arachne': 'item', title: 'a' })).toBe(
      `handler "parse" yielded an object whose reserved key "@arachne" is "item", but that key marks requests ("request") only; rename it in the item — at ${at}`,
    );
  });

  it('refuses a tagged request without a url or a handler', () => {
    const { url: _url, ...noUrl } = request(at);
    expect(refusal(noUrl)).toContain('yielded a request without a string "url"');
    const { handler: _handler, ...noHandler } = request(at);
    expect(refusal(noHandler)).toContain('yielded a request without a string "handler"');
  });
});

describe('start requests', () => {
  it('takes URLs and requests, spread copies included, at depth 0', async () => {
    const spider = defineSpider({
      name: 'starts',
      start: () => [at, { ...request(`${at}?2`, { depth: 4 }), priority: 3 }],
      parse() {},
    });
    const requests = await startRequests(spider);
    expect(requests.map((r) => [r.url, r.depth, r.priority, isRequest(r)])).toEqual([
      [at, 0, 0, true],
      [`${at}?2`, 0, 3, true],
    ]);
  });

  it('refuses a start entry that is neither a URL nor a request, as a configuration error', async () => {
    const spider = defineSpider({
      name: 'starts',
      start: () => [at, { ...request(`${at}?2`), priority: 3 }, { url: at } as unknown as string],
      parse() {},
    });
    await expect(startRequests(spider)).rejects.toThrow(
      new ConfigError(
        'spider "starts": start gave a plain object, not a URL or a request (request(), createRequest())',
      ),
    );
  });
});
