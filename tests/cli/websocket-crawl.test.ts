// `arachne crawl ws://…`: the no-code crawl writes one record per message; a spider file reads a feed and follows its
// links; wss:// with a CA the process trusts; API jobs aimed at a private ws:// address are refused.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { type FeedServer, startFeedServer } from '../helpers/ws-feed-server.js';
import { testCert } from '../http/fixtures/tls.js';
import { makeProject, startTestServer } from '../server/server-helpers.js';

let feeds: FeedServer;
let secure: FeedServer;
let dir: string;

beforeAll(async () => {
  [feeds, secure] = await Promise.all([startFeedServer(), startFeedServer({ tls: true })]);
  dir = await mkdtemp(join(tmpdir(), 'arachne-ws-'));
});
afterAll(async () => {
  await Promise.all([feeds?.close(), secure?.close()]);
});

const readLines = async (path: string) =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('arachne crawl ws://… (no code)', () => {
  it('sends each --ws-send once open, in order, and writes one record per message, up to --ws-max-messages', async () => {
    const out = join(dir, 'ticks.jsonl');
    const before = feeds.upgrades.length;
    const url = `${feeds.wsOrigin}/ticks?n=5`;
    const result = await runCli([
      'crawl',
      url,
      '--ws-send',
      '{"subscribe":"x"}',
      '--ws-send',
      '{"also":"y","and":"z"}',
      '--ws-max-messages',
      '3',
      '-o',
      out,
      '--no-progress',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/feed messages\s+3 /);
    const lines = await readLines(out);
    expect(lines.map(({ time, ...rest }) => rest)).toEqual(
      [0, 1, 2].map((i) => ({
        url,
        message: i,
        binary: false,
        bytes: JSON.stringify({ tick: i, url: `${feeds.origin}/item/${i}` }).length,
        data: { tick: i, url: `${feeds.origin}/item/${i}` },
      })),
    );
    expect(Number.isNaN(Date.parse(String(lines[0]?.time)))).toBe(false);
    expect(feeds.upgrades[before]?.received).toEqual([
      '{"subscribe":"x"}',
      '{"also":"y","and":"z"}',
    ]);
  });

  it('reads wss:// with a private CA given by --ca, and fails it with AR_NETWORK without', async () => {
    const ca = join(dir, 'ca.pem');
    await writeFile(ca, testCert);
    const url = `${secure.wsOrigin}/close-after?n=2`;
    const out = join(dir, 'secure.jsonl');
    const trusted = await runCli(['crawl', url, '-o', out, '--ca', ca, '--no-progress']);
    expect(trusted.code, trusted.stderr).toBe(0);
    expect((await readLines(out)).map((line) => line.data)).toEqual(['m0', 'm1']);

    const untrusted = await runCli(['crawl', url, '--retries', '0', '--no-progress']);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stdout).toMatch(/failed\s+1 \(AR_NETWORK: 1\)/);
  });

  it('refuses other schemes as start URLs, naming the ones it takes', async () => {
    const result = await runCli(['crawl', 'gopher://hole.example/1', '--no-progress']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'only http, https, ftp, ftps, sftp, file, imap, imaps, pop3, pop3s, ws and wss URLs can be crawled',
    );
  });
});

describe('arachne crawl SPIDER reading a feed', () => {
  it('runs the handler per message (page.message, page.json()) and follows the links the messages carry', async () => {
    const spider = join(dir, 'ticker.js');
    const out = join(dir, 'ticker.jsonl');
    await writeFile(
      spider,
      `import { defineSpider, request } from 'arachne';
export default defineSpider({
  name: 'ticker',
  start: () => [
    request('${feeds.wsOrigin}/ticks?n=2', {
      websocket: { send: ['{"subscribe":"a"}', '{"subscribe":"b"}'], maxMessages: 2 },
    }),
  ],
  *parse(page) {
    const tick = page.json();
    yield { kind: 'tick', index: page.message.index, tick: tick.tick };
    yield page.follow(tick.url, 'item');
  },
  *item(page) {
    yield { kind: 'item', title: page.text('h1') };
  },
});
`,
    );
    const before = feeds.upgrades.length;
    const result = await runCli(['crawl', spider, '-o', out, '--no-progress']);
    expect(result.code, result.stderr).toBe(0);
    const lines = await readLines(out);
    expect(lines.filter((line) => line.kind === 'tick')).toEqual([
      { kind: 'tick', index: 0, tick: 0 },
      { kind: 'tick', index: 1, tick: 1 },
    ]);
    expect(
      lines
        .filter((line) => line.kind === 'item')
        .map((line) => line.title)
        .sort(),
    ).toEqual(['0', '1']);
    expect(feeds.upgrades[before]?.received).toEqual(['{"subscribe":"a"}', '{"subscribe":"b"}']);
  });
});

describe('API jobs on ws:// URLs', () => {
  it('are accepted as URLs, and refused at submission when they aim at a private address', async () => {
    const t = await startTestServer({ project: await makeProject() });
    try {
      const before = feeds.upgrades.length;
      const response = await t.api('POST', '/api/jobs', { url: `${feeds.wsOrigin}/stream` });
      expect(response.status).toBe(400);
      expect(response.json.error).toMatchObject({ code: 'AR_BAD_REQUEST', field: 'url' });
      expect(response.json.error.message).toMatch(/127\.0\.0\.1 is a private/);
      const bad = await t.api('POST', '/api/jobs', { url: 'gopher://hole.example/1' });
      expect(bad.json.error.message).toContain('must be an absolute http(s), ftp(s) or ws(s) URL');
      expect(feeds.upgrades.length).toBe(before);
    } finally {
      await t.close();
    }
  });
});
