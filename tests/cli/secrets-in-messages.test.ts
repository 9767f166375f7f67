import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { maskCredentials } from '../../src/url/mask-credentials.js';
import { runCli } from '../helpers/run-cli.js';

const spider = fileURLToPath(new URL('../../examples/shop.ts', import.meta.url));

describe('credentials in frontier URLs never reach a message', () => {
  it.each([
    ['an unknown frontier scheme', 'rediz://worker:s3cret-pw@127.0.0.1:6379/0'],
    ['a Redis URL that does not parse', 'redis://worker:s3cret-pw@127.0.0.1:notaport/0'],
  ])('%s: the error names the URL with the password masked', async (_what, frontier) => {
    const result = await runCli(['crawl', spider, '--frontier', frontier, '--max-pages', '1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('worker:***@127.0.0.1');
    expect(result.stderr + result.stdout).not.toContain('s3cret-pw');
  });
});

describe('maskCredentials', () => {
  it('masks the password of every URL in a text, keeping the user name', () => {
    expect(
      maskCredentials('a redis://u:p%40ss@h:1/0 and postgres://me:pw@db/x, http://only-user@h/'),
    ).toBe('a redis://u:***@h:1/0 and postgres://me:***@db/x, http://only-user@h/');
  });
});
