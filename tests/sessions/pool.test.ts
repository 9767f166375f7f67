import { describe, expect, it } from 'vitest';
import { parseCrawlArgs } from '../../src/cli/options.js';
import { resolveOptions } from '../../src/crawler/options.js';
import { ProxyRotation, Session, SessionPool } from '../../src/crawler/sessions/index.js';

describe('the session pool', () => {
  it('fills up, then rotates; a retired session leaves the turn and is replaced by a fresh one', () => {
    const pool = new SessionPool({ size: 2 });
    const picked = Array.from({ length: 4 }, () => pool.pick().id);
    expect(picked).toEqual(['s1', 's2', 's1', 's2']);
    const s1 = pool.get('s1') as Session;
    pool.markBlocked(s1);
    expect(s1.retired).toBe('blocked');
    // The next pick makes its replacement; then the turn goes on over the live ones.
    expect([pool.pick().id, pool.pick().id, pool.pick().id]).toEqual(['s3', 's2', 's3']);
    expect(pool.stats()).toMatchObject({ created: 3, retired: 1, blocked: 1, size: 2 });
  });

  it('retires after maxUsage picks and at maxErrorScore; a success lowers the score', () => {
    const pool = new SessionPool({ size: 1, maxUsage: 3, maxErrorScore: 2 });
    const first = pool.pick();
    pool.pick();
    pool.pick();
    expect(first.retired).toBe('usage');
    const second = pool.pick();
    expect(second).not.toBe(first);
    pool.markBad(second);
    pool.markGood(second);
    pool.markBad(second);
    expect(second.retired).toBeUndefined();
    pool.markBad(second);
    expect(second.retired).toBe('errors');
    expect(pool.stats().retiredBy).toEqual({ blocked: 0, errors: 1, usage: 1 });
  });

  it('gives every session its own header set, each generated once', async () => {
    const { headerSetFactory } = await import('../../src/crawler/sessions/browser-headers.js');
    const pool = new SessionPool({ size: 2, headers: headerSetFactory() });
    const a = pool.pick();
    const b = pool.pick();
    expect(pool.pick().headers).toBe(a.headers);
    for (const session of [a, b]) {
      expect(session.headers['user-agent']).toMatch(/Linux.*Chrome\//);
      expect(session.headers['accept-language']).toMatch(/en/);
      expect(session.headers['sec-ch-ua-platform']).toBe('"Linux"');
      expect(session.headers['accept-encoding']).toBeUndefined();
    }
  });
});

describe('proxy rotation', () => {
  it('round-robins a list, and a session keeps its first proxy', () => {
    const rotation = new ProxyRotation({ proxies: ['http://a:1', 'http://b:2'] });
    const url = 'http://site.test/';
    expect([rotation.proxyFor(url), rotation.proxyFor(url), rotation.proxyFor(url)]).toEqual([
      'http://a:1',
      'http://b:2',
      'http://a:1',
    ]);
    const session = new Session('s1', {});
    const sticky = rotation.proxyFor(url, session);
    expect([rotation.proxyFor(url, session), rotation.proxyFor(url, session)]).toEqual([
      sticky,
      sticky,
    ]);
  });

  it('moves a host up one tier per block of its current tier, other hosts stay', () => {
    const rotation = new ProxyRotation({ proxyTiers: [[], ['socks5://t1:1080'], ['http://t2:1']] });
    const url = 'http://blocking.test/x';
    expect(rotation.proxyFor(url)).toBeUndefined(); // tier 0 is empty: direct
    const from = rotation.tierOf(url);
    rotation.escalate(url, from);
    rotation.escalate(url, from); // a second block of the same burst
    expect(rotation.tierOf(url)).toBe(1);
    expect(rotation.proxyFor(url)).toBe('socks5://t1:1080');
    rotation.escalate(url, 1);
    rotation.escalate(url, 2);
    expect(rotation.tierOf(url)).toBe(2); // no tier above the last
    expect(rotation.proxyFor('http://other.test/')).toBeUndefined();
    expect(rotation.stats().hostTiers).toEqual({ 'blocking.test': 2 });
  });

  it('asks a function per attempt, with the session id', () => {
    const seen: Array<string | undefined> = [];
    const rotation = new ProxyRotation({
      proxies: ({ sessionId }) => {
        seen.push(sessionId);
        return sessionId === undefined ? undefined : 'http://p:1';
      },
    });
    expect(rotation.proxyFor('http://x.test/', new Session('s9', {}))).toBe('http://p:1');
    expect(rotation.proxyFor('http://x.test/')).toBeUndefined();
    expect(seen).toEqual(['s9', undefined]);
  });
});

describe('session and proxy options', () => {
  const resolve = (options: Parameters<typeof resolveOptions>[1]) => resolveOptions('ua', options);

  it('are parsed from the command line', () => {
    const { options } = parseCrawlArgs(
      [
        '--sessions',
        '5',
        '--proxy-tiers',
        'http://a:1, http://b:2;socks5://u:p@c:1080',
        '--blocked-statuses',
        '403,429',
        '--no-browser-headers',
      ],
      { positionals: true },
    );
    expect(options).toMatchObject({
      sessions: 5,
      proxyTiers: [['http://a:1', 'http://b:2'], ['socks5://u:p@c:1080']],
      blockedStatuses: [403, 429],
      browserHeaders: false,
    });
    expect(resolve({}).blockedStatuses).toEqual([401, 403, 429]);
  });

  it('refuse what cannot work, without echoing credentials', () => {
    const failure = (options: Parameters<typeof resolve>[0]) => {
      try {
        resolve(options);
      } catch (error) {
        return error as Error & { code: string };
      }
      throw new Error('no error');
    };
    expect(failure({ proxies: ['http://a:1'], proxyTiers: [['http://b:1']] }).message).toBe(
      'give either proxies (a list or a function) or proxyTiers, not both',
    );
    const bad = failure({ proxies: ['ftp://user:hunter2@x:21'] });
    expect(bad.code).toBe('AR_CONFIG');
    expect(bad.message).not.toContain('hunter2');
    expect(failure({ proxies: ['http://a:1'], allowPrivate: false }).message).toMatch(
      /can only be kept through socks5:\/\/ proxies/,
    );
    expect(resolve({ proxies: ['socks5://u:p@a:1080'], allowPrivate: false }).proxies).toHaveLength(
      1,
    );
    expect(failure({ blockedStatuses: [403, 42] }).message).toBe(
      'blockedStatuses must be HTTP statuses (100–599), got 42',
    );
    expect(failure({ sessions: -1 }).message).toBe('sessions must be an integer ≥ 0, got -1');
  });
});
