// memoByUrl: a URL met a second time is remembered (undefined answers included), a URL met once is not, and the
// memory is bounded.
import { describe, expect, it } from 'vitest';
import { memoByUrl } from '../../src/url/url-memo.js';

function counted<T>(compute: (url: string) => T) {
  const calls: string[] = [];
  const memo = memoByUrl((url) => {
    calls.push(url);
    return compute(url);
  });
  return { memo, calls };
}

describe('memoByUrl', () => {
  it('computes a URL twice, then answers from memory, undefined answers included', () => {
    const { memo, calls } = counted((url) => (url.length > 20 ? url.length : undefined));
    const long = 'https://a.example/some/long/path';
    const short = 'https://a.example/';
    const answers = [1, 2, 3, 4].flatMap(() => [memo(long), memo(short)]);
    expect(answers).toEqual([32, undefined, 32, undefined, 32, undefined, 32, undefined]);
    expect(calls).toEqual([long, short, long, short]);
  });

  it('does not remember URLs met once', () => {
    const { memo, calls } = counted((url) => url.length);
    for (let i = 0; i < 1000; i++) memo(`https://a.example/product/${i}.html`);
    memo('https://a.example/product/7.html');
    memo('https://a.example/product/7.html');
    // The 7th product was met three times: computed at its first and second sighting only.
    expect(calls.filter((url) => url.endsWith('/7.html'))).toHaveLength(2);
    expect(calls).toHaveLength(1001);
  });

  it('forgets everything once 4,096 URLs are remembered, so memory stays bounded', () => {
    const { memo, calls } = counted((url) => url);
    const urls = Array.from({ length: 4097 }, (_, i) => `https://a.example/${i}`);
    for (const url of urls.slice(0, 4096)) {
      memo(url);
      memo(url); // met again at once: remembered
    }
    memo(urls[0] ?? '');
    expect(calls).toHaveLength(2 * 4096);
    memo(urls[4096] ?? '');
    memo(urls[4096] ?? ''); // the 4,097th to be remembered: the memory is cleared first
    memo(urls[0] ?? '');
    expect(calls).toHaveLength(2 * 4096 + 3);
  });
});
