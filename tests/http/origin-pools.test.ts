import type { Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { OriginPools } from '../../src/http/origin-pools.js';
import { startLocalServer } from '../helpers/local-server.js';
import { waitFor } from '../helpers/wait.js';

/** Sends one GET through the pools and resolves with the status once the body has ended. */
function get(pools: OriginPools, origin: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let status = 0;
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart: () => {},
      onResponseStart: (_controller, statusCode) => {
        status = statusCode;
      },
      onResponseEnd: () => resolve(status),
      onResponseError: (_controller, error) => reject(error),
    };
    pools.dispatch({ origin, path, method: 'GET' }, handler);
  });
}

describe('OriginPools', () => {
  it('keeps one pool per origin and drops it once its connections are gone and nothing is queued', async () => {
    const server = await startLocalServer((request, response) => {
      if (request.url === '/close') response.setHeader('connection', 'close');
      response.end('x');
    });
    const other = await startLocalServer((_request, response) => response.end('y'));
    const pools = new OriginPools({ keepAliveTimeout: 4_000 });
    try {
      expect(await get(pools, server.origin, '/a')).toBe(200);
      expect(await get(pools, other.origin, '/b')).toBe(200);
      expect(pools.size).toBe(2);
      expect(await get(pools, server.origin, '/close')).toBe(200);
      // Dropped once undici reports the disconnect (OriginPools emits nothing: poll, bounded).
      await waitFor("the closed origin's pool to go", () => (pools.size === 1 ? true : undefined), {
        timeoutMs: 2_000,
        intervalMs: 5,
      });
      expect(pools.size).toBe(1);
      // A new request to the dropped origin simply gets a new pool.
      expect(await get(pools, server.origin, '/again')).toBe(200);
      expect(pools.size).toBe(2);
    } finally {
      await pools.close();
      await server.close();
      await other.close();
    }
  });

  it('drops the pool of an origin that refuses connections', async () => {
    const server = await startLocalServer((_request, response) => response.end('x'));
    const origin = server.origin;
    await server.close();
    const pools = new OriginPools({});
    try {
      await expect(get(pools, origin, '/')).rejects.toThrow();
      await waitFor(
        "the refused origin's pool to go",
        () => (pools.size === 0 ? true : undefined),
        {
          timeoutMs: 2_000,
          intervalMs: 5,
        },
      );
      expect(pools.size).toBe(0);
    } finally {
      await pools.close();
    }
  });
});
