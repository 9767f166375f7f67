/** `arachne check SPIDER` (issue 12 §1): a spider's contracts run against a local site, live, recorded and offline. */
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';

let site: LocalServer;
let dir: string;

const pages = {
  '/': '<a href="/p/1">one</a> <a href="/p/2">two</a> <a href="/p/3">three</a>',
  '/p/1': '<h1>One</h1><span class="price">3</span>',
  '/p/2': '<h1>Two</h1>',
  '/list':
    '<div class="row"><b>A</b><i>1</i></div><div class="row"><b>B</b></div><div class="row"><b>C</b></div>',
};

beforeAll(async () => {
  site = await startLocalServer(pages);
  dir = await mkdtemp(join(tmpdir(), 'arachne-check-'));
});
afterAll(() => site.close());

/** Writes a spider with these contracts (a JS object literal, `ORIGIN` replaced) and returns its path. */
async function spiderWith(name: string, contracts: string, origin = site.origin): Promise<string> {
  const file = join(dir, `${name}.ts`);
  await writeFile(
    file,
    `import { defineSpider } from 'arachne';
export default defineSpider({
  name: '${name}',
  start: ['${origin}/'],
  contracts: ${contracts.replaceAll('ORIGIN', origin)},
  *parse(page) {
    for (const href of page.links()) yield page.follow(href, 'detail');
  },
  *detail(page) {
    yield { title: page.text('h1'), price: page.text('.price') || null, tag: page.request.data.tag ?? null };
  },
  *rows(page) {
    for (const row of page.select('div.row')) yield { name: row.text('b'), price: row.text('i') };
  },
});
`,
  );
  return file;
}

describe('arachne check', () => {
  it('passes when every contract holds: one ✓ line each, a summary, exit 0', async () => {
    const spider = await spiderWith(
      'good',
      `{
        parse: [{ url: 'ORIGIN/', returns: { items: 0, requests: [1, null] } }],
        detail: [{ url: 'ORIGIN/p/1', data: { tag: 'x' }, returns: { items: 1 }, scrapes: ['title', 'price', 'tag'] }],
      }`,
    );
    const result = await runCli(['check', spider]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual([
      `✓ good parse ${site.origin}/`,
      `✓ good detail ${site.origin}/p/1`,
    ]);
    expect(lines.at(-1)).toMatch(/^2 contracts: 2 passed, 0 failed \(/);
  });

  it('fails on a wrong item count, a missing field and a request range, saying what differed (exit 1)', async () => {
    const spider = await spiderWith(
      'bad',
      `{
        detail: [{ url: 'ORIGIN/p/2', returns: { items: [2, 5] }, scrapes: ['title', 'price'] }],
        rows: [{ url: 'ORIGIN/list', returns: { items: 3 }, scrapes: ['price'] }],
        parse: [{ url: 'ORIGIN/', returns: { requests: [0, 2] } }, { url: 'ORIGIN/p/1', returns: { items: 0 } }],
      }`,
    );
    const result = await runCli(['check', spider]);
    expect(result.code, result.stderr).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines.slice(0, 4)).toEqual([
      `✗ bad detail ${site.origin}/p/2: items: expected 2 to 5, got 1; scrapes: price missing in 1 of 1 item`,
      `✗ bad rows ${site.origin}/list: scrapes: price missing in 2 of 3 items`,
      `✗ bad parse ${site.origin}/: requests: expected 0 to 2, got 3`,
      `✓ bad parse ${site.origin}/p/1`,
    ]);
    expect(lines.at(-1)).toMatch(/^4 contracts: 1 passed, 3 failed/);
  });

  it('runs only the contracts of --handler, and --list lists them without fetching', async () => {
    const spider = await spiderWith(
      'some',
      `{
        parse: [{ url: 'ORIGIN/', returns: { items: 0 } }],
        detail: [{ url: 'ORIGIN/p/2', returns: { items: 5 } }],
      }`,
    );
    const only = await runCli(['check', spider, '--handler', 'parse']);
    expect(only.code, only.stderr).toBe(0);
    expect(only.stdout).toContain(`✓ some parse ${site.origin}/\n`);
    expect(only.stdout).not.toContain('detail');
    const before = site.requests.length;
    const listed = await runCli(['check', spider, '--list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toBe(`some  parse  ${site.origin}/\nsome  detail  ${site.origin}/p/2\n`);
    expect(site.requests.length).toBe(before);
  });

  it('fails a contract whose page cannot be fetched (exit 1)', async () => {
    const spider = await spiderWith(
      'gone',
      `{ detail: [{ url: 'ORIGIN/nothing-here', returns: { items: 1 } }] }`,
    );
    const result = await runCli(['check', spider]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain(
      `✗ gone detail ${site.origin}/nothing-here: page not fetched: Request failed with status 404`,
    );
  });

  it('records the pages with --record, then checks them --offline with the site gone', async () => {
    const shop = await startLocalServer(pages);
    const contracts = `{
      parse: [{ url: 'ORIGIN/', returns: { requests: 3 } }],
      detail: [{ url: 'ORIGIN/p/1', returns: { items: 1 }, scrapes: ['title', 'price'] }],
    }`;
    const spider = await spiderWith('recorded', contracts, shop.origin);
    const recorded = await runCli(['check', spider, '--record']);
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(recorded.stdout).toMatch(/2 contracts: 2 passed, 0 failed .*pages recorded/);
    expect(existsSync(join(dir, '.arachne', 'contracts-cache.sqlite'))).toBe(true);
    await shop.close();

    const offline = await runCli(['check', spider, '--offline']);
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stdout).toContain(`✓ recorded parse ${shop.origin}/\n`);
    expect(offline.stdout).toContain(`✓ recorded detail ${shop.origin}/p/1\n`);

    // A page added to the contracts since the recording is not in the cache: said plainly, nothing sent.
    const more = await spiderWith(
      'recorded',
      contracts.replace('returns: { items: 1 }', "returns: { items: 1 } }, { url: 'ORIGIN/p/2'"),
      shop.origin,
    );
    const missing = await runCli(['check', more, '--offline']);
    expect(missing.code, missing.stderr).toBe(1);
    expect(missing.stdout).toContain(
      `✗ recorded detail ${shop.origin}/p/2: not recorded; run arachne check --record\n`,
    );
  });

  it('--offline with nothing recorded fails every contract clearly, and creates no cache', async () => {
    const cache = join(dir, 'never-recorded.sqlite');
    const spider = await spiderWith(
      'unrecorded',
      `{ parse: [{ url: 'ORIGIN/', returns: { items: 0 } }] }`,
    );
    const before = site.requests.length;
    const result = await runCli(['check', spider, '--offline', '--cache', cache]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain(
      `✗ unrecorded parse ${site.origin}/: not recorded (no cache at ${cache}); run arachne check --record`,
    );
    expect(existsSync(cache)).toBe(false);
    expect(site.requests.length).toBe(before);
  });

  it('exits 2 on a contract naming a handler the spider lacks, and on usage errors', async () => {
    const spider = await spiderWith(
      'typo',
      `{ detial: [{ url: 'ORIGIN/p/1', returns: { items: 1 } }] }`,
    );
    const result = await runCli(['check', spider]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('name the handler "detial", which the spider does not have');

    const good = await spiderWith('fine', `{ parse: [{ url: 'ORIGIN/' }] }`);
    const both = await runCli(['check', good, '--record', '--offline']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--record and --offline exclude each other');
    const handler = await runCli(['check', good, '--handler', 'nope']);
    expect(handler.code).toBe(2);
    expect(handler.stderr).toContain('has no handler "nope"');
    const none = await runCli(['check']);
    expect(none.code).toBe(2);
  });
});
