import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { redactUrlsIn } from '../../src/url/redact-url.js';
import { runCli } from '../helpers/run-cli.js';

const spider = fileURLToPath(new URL('../../examples/shop.ts', import.meta.url));

describe('credentials in frontier URLs never reach a message', () => {
  it.each([
    ['an unknown frontier scheme', 'rediz://worker:s3cret-pw@127.0.0.1:6379/0'],
    ['a Redis URL that does not parse', 'redis://worker:s3cret-pw@127.0.0.1:notaport/0'],
  ])('%s: the error names the URL without its credentials', async (_what, frontier) => {
    const result = await runCli(['crawl', spider, '--frontier', frontier, '--max-pages', '1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/redi[sz]:\/\/127\.0\.0\.1:/);
    expect(result.stderr + result.stdout).not.toContain('s3cret-pw');
  });
});

describe('redactUrlsIn', () => {
  it('removes the user and password of every URL in a text', () => {
    expect(
      redactUrlsIn('a redis://u:p%40ss@h:1/0 and postgres://me:pw@db/x, http://only-user@h/'),
    ).toBe('a redis://h:1/0 and postgres://db/x, http://h/');
  });
});
