import { describe, expect, it } from 'vitest';
import {
  type DownloadHandler,
  DownloadHandlerRegistry,
} from '../../src/crawler/download-handlers/registry.js';
import { createRequest } from '../../src/crawler/request.js';

const plain: DownloadHandler = {
  name: 'plain',
  fetch: async () => {
    throw new Error('not called');
  },
};

describe('the registry and the script rung', () => {
  it('makes the script handler once, on the first script request, and closes it with the crawl', async () => {
    let made = 0;
    let closed = 0;
    const script: DownloadHandler = {
      name: 'script',
      fetch: plain.fetch,
      close: async () => {
        closed++;
      },
    };
    const registry = new DownloadHandlerRegistry(
      { 'http:': plain },
      {
        script: async () => {
          made++;
          return script;
        },
      },
    );
    const http = createRequest('http://a.test/', { fetch: 'http' });
    expect(await registry.resolveFetcher(http)).toBe(plain);
    expect(made).toBe(0);
    const both = await Promise.all(
      ['http://a.test/1', 'http://a.test/2'].map((url) =>
        registry.resolveFetcher(createRequest(url, { fetch: 'script' })),
      ),
    );
    expect(both).toEqual([script, script]);
    expect(made).toBe(1);
    await registry.close();
    expect(closed).toBe(1);
  });

  it('refuses a script request when the crawl has no script rung', async () => {
    const registry = new DownloadHandlerRegistry(
      { 'http:': plain },
      { browser: async () => plain },
    );
    await expect(
      registry.resolveFetcher(createRequest('http://a.test/', { fetch: 'script' })),
    ).rejects.toMatchObject({
      code: 'AR_CONFIG',
      message: expect.stringContaining('no script rung'),
    });
  });
});
