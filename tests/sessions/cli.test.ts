import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { startSocks5Server } from '../helpers/socks5-server.js';
import { startGuardedSite } from './site.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe('arachne crawl --sessions --proxies', () => {
  it('crawls through the proxies with sessions and prints them in the summary, credentials hidden', async () => {
    const site = await startGuardedSite(3);
    closers.push(() => site.close());
    const auth = { user: 'cli', pass: 'pw-hunter2' };
    const a = await startSocks5Server({ auth, localAddress: '127.0.0.2' });
    const b = await startSocks5Server({ auth, localAddress: '127.0.0.3' });
    closers.push(
      () => a.close(),
      () => b.close(),
    );
    const result = await runCli([
      'crawl',
      `${site.origin}/`,
      '--sessions',
      '2',
      '--proxies',
      `${a.url(auth)},${b.url(auth)}`,
      '--no-robots',
      '--no-progress',
      '-o',
      '-',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('sessions        2 created, 0 retired');
    expect(result.stderr).toMatch(
      new RegExp(
        `proxies         socks5://\\*\\*\\*@127\\.0\\.0\\.1:${a.port}: \\d+, socks5://\\*\\*\\*@127\\.0\\.0\\.1:${b.port}: \\d+`,
      ),
    );
    expect(result.stdout + result.stderr).not.toContain('hunter2');
    // Sticky: each session (its visitor cookie) went out through one proxy only, and both proxies were used.
    const addresses = new Set(site.hits.map((hit) => hit.from));
    expect(addresses).toEqual(new Set(['127.0.0.2', '127.0.0.3']));
    const byVisitor = new Map<string, Set<string>>();
    for (const hit of site.hits) {
      const visitor = hit.visitors[0];
      if (visitor !== undefined)
        byVisitor.set(visitor, (byVisitor.get(visitor) ?? new Set()).add(hit.from));
    }
    expect([...byVisitor.values()].every((set) => set.size === 1)).toBe(true);
    expect(site.hits).toHaveLength(4);
  });
});
