// parseRobots beyond the Google cases: Crawl-delay, Sitemap lines, BOM, line endings, product tokens, size limits.
import { describe, expect, it } from 'vitest';
import { MAX_ROBOTS_BYTES, parseRobots, productToken, RobotsTxt } from '../../src/robots/index.js';

const UA = 'arachne/0.1.0';

describe('parseRobots', () => {
  it('matches the group named by the product token of a full user agent', () => {
    const robots = parseRobots(
      'User-agent: Arachne\nDisallow: /private\n\nUser-agent: *\nDisallow: /\n',
    );
    expect(robots.isAllowed(UA, 'https://example.com/public')).toBe(true);
    expect(robots.isAllowed(UA, 'https://example.com/private/x')).toBe(false);
    expect(robots.isAllowed('otherbot/2.0', 'https://example.com/public')).toBe(false);
  });

  it('extracts product tokens only from `token` or `token/version`', () => {
    expect(productToken('arachne/0.1.0')).toBe('arachne');
    expect(productToken('Arachne')).toBe('arachne');
    expect(productToken('Foo Bar')).toBeUndefined();
    expect(productToken('')).toBeUndefined();
    expect(productToken('foo.bot/1')).toBeUndefined();
  });

  it('exposes Crawl-delay per group in milliseconds, fractional seconds included', () => {
    const robots = parseRobots(
      'User-agent: arachne\nCrawl-delay: 2.5\nDisallow: /x\n\nUser-agent: *\nCrawl-delay: 10\n',
    );
    expect(robots.crawlDelayMs(UA)).toBe(2500);
    expect(robots.crawlDelayMs('otherbot')).toBe(10_000);
  });

  it('has no Crawl-delay when the group has none or the value is not a number', () => {
    expect(parseRobots('User-agent: *\nDisallow: /x\n').crawlDelayMs(UA)).toBeUndefined();
    expect(parseRobots('User-agent: *\nCrawl-delay: soon\n').crawlDelayMs(UA)).toBeUndefined();
    expect(parseRobots('User-agent: *\nCrawl-delay: -1\n').crawlDelayMs(UA)).toBeUndefined();
  });

  it('does not let a Crawl-delay line close a group', () => {
    const robots = parseRobots('User-agent: a\nCrawl-delay: 1\nUser-agent: arachne\nDisallow: /\n');
    expect(robots.crawlDelayMs(UA)).toBe(1000);
    expect(robots.isAllowed(UA, '/x')).toBe(false);
  });

  it('collects Sitemap lines from anywhere in the file, without duplicates', () => {
    const robots = parseRobots(
      'Sitemap: https://example.com/a.xml\nUser-agent: *\nDisallow: /x\nsitemap: https://example.com/b.xml\n' +
        'Sitemap: https://example.com/a.xml\nSitemap: https://example.com/ツ.xml\n',
    );
    expect(robots.sitemaps).toEqual([
      'https://example.com/a.xml',
      'https://example.com/b.xml',
      'https://example.com/ツ.xml',
    ]);
  });

  it('skips a UTF-8 byte order mark, as a string or as bytes', () => {
    const body = '\uFEFFUser-agent: *\nDisallow: /x\n';
    expect(parseRobots(body).isAllowed(UA, '/x')).toBe(false);
    expect(parseRobots(Buffer.from(body)).isAllowed(UA, '/x')).toBe(false);
    expect(
      parseRobots(
        Buffer.from([0xef, 0xbb, ...Buffer.from('User-agent: *\nDisallow: /x')]),
      ).isAllowed(UA, '/x'),
    ).toBe(false);
  });

  it('treats a broken BOM as part of the first line', () => {
    const body = Buffer.from([0xef, 0x11, 0xbf, ...Buffer.from('User-agent: *\nDisallow: /x\n')]);
    // Line 1 becomes an unknown directive, so the rules belong to no group.
    expect(parseRobots(body).isAllowed(UA, '/x')).toBe(true);
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('reads %s line endings', (_name, eol) => {
    const robots = parseRobots(
      ['User-agent: *', 'Disallow: /x', 'Allow: /x/y', 'Crawl-delay: 3'].join(eol),
    );
    expect(robots.isAllowed(UA, '/x/z')).toBe(false);
    expect(robots.isAllowed(UA, '/x/y')).toBe(true);
    expect(robots.crawlDelayMs(UA)).toBe(3000);
  });

  it('reads a rule at the end of a 500 KiB file', () => {
    const padding = '# padding line that only holds a comment, to make the file big\n'.repeat(8200);
    const body = `${padding}User-agent: *\nDisallow: /deep\n`;
    expect(Buffer.byteLength(body)).toBeGreaterThan(500 * 1024);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_ROBOTS_BYTES);
    expect(parseRobots(body).isAllowed(UA, '/deep/page')).toBe(false);
  });

  it('ignores everything after 512 KiB, including a line cut by the limit', () => {
    const head = 'User-agent: *\nDisallow: /a\n';
    const filler = `#${'x'.repeat(MAX_ROBOTS_BYTES - head.length - 20)}\n`;
    // "Allow: /a/long/path" straddles the limit: a truncated "Allow: /a" must not widen the rule.
    const body = `${head}${filler}${'Allow: /a/long/path/beyond/the/limit\n'}Disallow: /b\n`;
    const robots = parseRobots(body);
    expect(robots.isAllowed(UA, '/a/other')).toBe(false);
    expect(robots.isAllowed(UA, '/a/long/path/beyond/the/limit')).toBe(false);
    expect(robots.isAllowed(UA, '/b')).toBe(true);
  });

  it('always allows /robots.txt itself (RFC 9309 §2.2.2)', () => {
    const robots = parseRobots('User-agent: *\nDisallow: /\n');
    expect(robots.isAllowed(UA, 'https://example.com/robots.txt')).toBe(true);
    expect(robots.isAllowed(UA, 'https://example.com/robots.txt?x')).toBe(false);
  });

  it('merges repeated groups for the same agent', () => {
    const robots = parseRobots(
      'User-agent: arachne\nDisallow: /a\n\nUser-agent: other\nDisallow: /\n\nUser-agent: ARACHNE\nDisallow: /b\n',
    );
    expect(robots.isAllowed(UA, '/a')).toBe(false);
    expect(robots.isAllowed(UA, '/b')).toBe(false);
    expect(robots.isAllowed(UA, '/c')).toBe(true);
  });

  it('builds allow-all and disallow-all policies', () => {
    expect(RobotsTxt.allowAll().isAllowed(UA, '/anything')).toBe(true);
    expect(RobotsTxt.disallowAll().isAllowed(UA, '/anything')).toBe(false);
    expect(RobotsTxt.disallowAll().isAllowed(UA, '/robots.txt')).toBe(true);
    expect(RobotsTxt.disallowAll().sitemaps).toEqual([]);
  });

  it('handles thousands of wildcard rules against a long path', () => {
    const rules = Array.from({ length: 2000 }, (_, i) => `Disallow: /*a*b*c*${i}$`).join('\n');
    const robots = parseRobots(`User-agent: *\n${rules}\n`);
    const path = `/${'a'.repeat(5000)}`;
    for (let i = 0; i < 10; i++) expect(robots.isAllowed(UA, path)).toBe(true);
    expect(robots.isAllowed(UA, '/xaybzc1999')).toBe(false);
  });
});
