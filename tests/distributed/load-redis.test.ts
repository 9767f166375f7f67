// Loading the Redis client must not slow every string method call of the process: `@redis/client` subclasses
// String, which leaves String.prototype in V8's dictionary mode, where optimized code cannot inline `charCodeAt` or
// `indexOf` (the crawl's tokenizer and text hash ran 2-3x slower per character on a Redis frontier). V8's own
// %HasFastProperties, in a child process started with --allow-natives-syntax, tells the two modes apart.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redisUp, redisUrl } from './redis-helpers.js';

const run = promisify(execFile);
const dist = new URL('../../dist/', import.meta.url).href;

/** Runs `body` as an ES module in a child Node that may call V8 natives; returns what it printed. */
async function inChild(body: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--allow-natives-syntax', '--input-type=module', '-e', body],
    { cwd: new URL('../../', import.meta.url), timeout: 30_000 },
  );
  return stdout.trim();
}

const fast = 'String(%HasFastProperties(String.prototype))';

describe('loading the Redis client', () => {
  it('by itself leaves String.prototype in dictionary mode (the cause)', async () => {
    expect(await inChild(`await import('redis'); console.log(${fast});`)).toBe('false');
  });

  it('through loadRedis() leaves String.prototype fast', async () => {
    const printed = await inChild(
      `const { loadRedis } = await import('${dist}distributed/load-redis.js');
       console.log(${fast}); await loadRedis(); console.log(${fast});`,
    );
    expect(printed).toBe('true\ntrue');
  });
});

describe.skipIf(!redisUp)('connected to Redis', () => {
  it('a frontier connection and the Redis HTTP cache leave String.prototype fast', async () => {
    const printed = await inChild(
      `const { connectRedis } = await import('${dist}distributed/index.js');
       const { RedisCacheStore } = await import('${dist}cache/index.js');
       const client = await connectRedis(${JSON.stringify(redisUrl)}, { connectTimeoutMs: 3000 });
       const cache = await RedisCacheStore.connect(${JSON.stringify(redisUrl)});
       console.log(${fast});
       await client.quit(); await cache.close();`,
    );
    expect(printed).toBe('true');
  });
});
