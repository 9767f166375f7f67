// A key nothing reads is refused with the nearest known one: spider definitions, crawl options, request options.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nearest } from '../../src/crawler/unknown-keys.js';
import { ConfigError, crawl, createRequest, defineSpider, request } from '../../src/index.js';
import { runCli } from '../helpers/run-cli.js';

const spec = (extra: Record<string, unknown>) =>
  ({ name: 's', start: 'http://127.0.0.1:9/', parse() {}, ...extra }) as unknown as Parameters<
    typeof defineSpider
  >[0];

describe('unknown keys', () => {
  it('in a spider definition: a misspelt key names the nearest known one', () => {
    expect(() => defineSpider(spec({ allowedDomain: ['a.test'] }))).toThrow(
      new ConfigError('unknown key "allowedDomain" in spider "s" (did you mean "allowedDomains"?)'),
    );
  });

  it('in a spider definition: a feature this version lacks is refused, not silently ignored', () => {
    const error = (() => {
      try {
        defineSpider(spec({ renderWith: 'chrome' }));
      } catch (caught) {
        return caught as ConfigError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(
      /^unknown key "renderWith" in spider "s" \(known: name, start, /,
    );
  });

  it('in crawl options, from crawl() and spider.options alike', async () => {
    await expect(crawl(defineSpider(spec({})), { concurency: 4 } as never)).rejects.toThrow(
      'unknown key "concurency" in crawl options (did you mean "concurrency"?)',
    );
    await expect(
      crawl(defineSpider(spec({ options: { perhost: 2 } as never })), { logLevel: 'silent' }),
    ).rejects.toThrow('unknown key "perhost" in crawl options (did you mean "perHost"?)');
  });

  it('in request options', () => {
    expect(() => createRequest('http://a.test/', { priorty: 2 } as never)).toThrow(
      'unknown key "priorty" in the request for http://a.test/ (did you mean "priority"?)',
    );
    expect(() => request('http://a.test/', { hedaers: {} } as never)).toThrow(
      /did you mean "headers"/,
    );
    expect(createRequest('http://a.test/', { priority: 2 }).priority).toBe(2);
  });

  it('names no candidate when none is close', () => {
    expect(nearest('zzzzzzzz', ['concurrency', 'perHost'])).toBeUndefined();
    expect(nearest('maxpage', ['maxPages', 'maxDepth'])).toBe('maxPages');
  });

  it('a spider file with an unknown key: one line naming the file and the key, exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-unknown-'));
    const file = join(dir, 'typo.ts');
    await writeFile(
      file,
      `import { defineSpider } from 'arachne';
export default defineSpider({ name: 'typo', start: 'http://127.0.0.1:9/', handleStatus: [404], parse() {} });
`,
    );
    const result = await runCli(['crawl', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'unknown key "handleStatus" in spider "typo" (did you mean "handleStatuses"?)',
    );
  });
});
