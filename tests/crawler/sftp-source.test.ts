// sftp: URLs against a real OpenSSH sshd on 127.0.0.1: a tree mirrored through its listings, files with body, size
// and modification time, host keys checked against known_hosts (unknown refused, accept-new recorded, changed
// refused), key auth, the egress guard and retries of a refused connection.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawl, createCrawler, defineSpider, siteSpider } from '../../src/index.js';
import { freePort } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';
import { type Sshd, sshdUp, startSshd } from '../helpers/sshd.js';

const up = await sshdUp();

describe.skipIf(!up)('sftp: sources', () => {
  let sshd: Sshd;
  let scratch: string;
  const modified = new Date('2026-03-04T05:06:07Z');

  beforeAll(async () => {
    sshd = await startSshd();
    scratch = await mkdtemp(join(tmpdir(), 'arachne-sftp-test-'));
    const tree: Record<string, string> = {
      'tree/readme.txt': 'hello over ssh\n',
      'tree/data/items.json': '{"a":1}',
      'tree/data/deep/page.html': '<h1>Deep</h1>',
      'tree/with space.txt': 'spaced',
    };
    for (const [path, content] of Object.entries(tree)) {
      const file = join(sshd.root, path);
      await mkdir(join(file, '..'), { recursive: true });
      await writeFile(file, content);
    }
    await utimes(join(sshd.root, 'tree/readme.txt'), modified, modified);
  });
  afterAll(async () => {
    await sshd?.close();
  });

  const options = () => ({
    sshKey: sshd.privateKeyPath,
    knownHosts: sshd.knownHostsPath,
    logLevel: 'silent' as const,
    retries: 0,
  });

  const logins = () => sshd.log().split('Accepted publickey').length - 1;

  it('mirrors a tree: each listing links to its entries, each file is a page', async () => {
    const before = logins();
    const sink = memorySink();
    const stats = await crawl(siteSpider([sshd.url(`${sshd.root}/tree/`)]), {
      ...options(),
      output: sink,
    });
    const byPath = new Map(
      sink.items.map((item) => [
        new URL(item.url as string).pathname.slice(sshd.root.length),
        item,
      ]),
    );
    expect([...byPath.keys()].sort()).toEqual([
      '/tree/',
      '/tree/data/',
      '/tree/data/deep/',
      '/tree/data/deep/page.html',
      '/tree/data/items.json',
      '/tree/readme.txt',
      '/tree/with%20space.txt',
    ]);
    expect(byPath.get('/tree/')).toMatchObject({
      status: 200,
      contentType: 'text/html; charset=utf-8',
    });
    expect(byPath.get('/tree/data/deep/page.html')).toMatchObject({ title: null, bytes: 13 });
    // The record's URL is redacted (no user), as for any URL with credentials.
    expect(String(byPath.get('/tree/')?.url)).toBe(
      `sftp://127.0.0.1:${sshd.port}${sshd.root}/tree/`,
    );
    expect(stats.failed).toBe(0);
    // Seven pages over at most two pooled connections (the per-server limit), whatever the concurrency.
    expect(logins() - before).toBeGreaterThanOrEqual(1);
    expect(logins() - before).toBeLessThanOrEqual(2);
  });

  it('links a directory typed without its slash right, keeping the user out of the page', async () => {
    const sink = memorySink();
    const spider = defineSpider({
      name: 'listing',
      start: [sshd.url(`${sshd.root}/tree/data`)],
      *parse(page) {
        yield { links: page.links(), body: page.response.text };
      },
    });
    await crawl(spider, { ...options(), output: sink });
    const [page] = sink.items as Array<{ links: string[]; body: string }>;
    expect(page?.links).toEqual([
      sshd.url(`${sshd.root}/tree/data/deep/`),
      sshd.url(`${sshd.root}/tree/data/items.json`),
    ]);
    expect(page?.body).not.toContain(`${sshd.user}@`);
  });

  it('gives a file its body, content-length and last-modified; a missing one is a 404', async () => {
    const sink = memorySink();
    const spider = defineSpider({
      name: 'files',
      start: [sshd.url(`${sshd.root}/tree/readme.txt`), sshd.url(`${sshd.root}/tree/nothing.txt`)],
      handleStatuses: 'all',
      *parse(page) {
        yield {
          path: new URL(page.url).pathname.slice(sshd.root.length),
          status: page.status,
          body: page.response.text,
          size: page.response.headers['content-length'],
          modified: page.response.headers['last-modified'],
        };
      },
    });
    await crawl(spider, { ...options(), output: sink });
    const byPath = Object.fromEntries(sink.items.map((item) => [item.path, item]));
    expect(byPath['/tree/readme.txt']).toEqual({
      path: '/tree/readme.txt',
      status: 200,
      body: 'hello over ssh\n',
      size: '15',
      modified: modified.toUTCString(),
    });
    expect(byPath['/tree/nothing.txt']).toMatchObject({ status: 404 });
  });

  it('reads a hashed known_hosts file (ssh-keygen -H)', async () => {
    const hashed = join(scratch, 'hashed_known_hosts');
    await writeFile(hashed, await readFile(sshd.knownHostsPath));
    execFileSync('ssh-keygen', ['-q', '-H', '-f', hashed]);
    expect(await readFile(hashed, 'utf8')).toMatch(/^\|1\|/);
    const stats = await crawl(siteSpider([sshd.url(`${sshd.root}/tree/readme.txt`)]), {
      ...options(),
      knownHosts: hashed,
      output: memorySink(),
    });
    expect(stats.failed).toBe(0);
  });

  it('serves a second run from the cache (offline: no connection at all)', async () => {
    const cache = join(scratch, 'cache');
    const url = sshd.url(`${sshd.root}/tree/readme.txt`);
    await crawl(siteSpider([url]), {
      ...options(),
      cache,
      cachePolicy: 'record',
      output: memorySink(),
    });
    const sink = memorySink();
    const stats = await crawl(siteSpider([url]), {
      ...options(),
      knownHosts: '/nonexistent', // any connection would fail with AR_HOST_KEY
      cache,
      cachePolicy: 'offline',
      output: sink,
    });
    expect(stats.failed).toBe(0);
    expect(sink.items).toMatchObject([{ status: 200, bytes: 15 }]);
  });

  /** Crawls one URL that fails: its failures' codes, and how many retries the crawl made. */
  async function failures(url: string, extra: Record<string, unknown>) {
    const crawler = createCrawler(siteSpider([url]), { ...options(), ...extra });
    const codes: string[] = [];
    crawler.on('request:failed', ({ code }) => codes.push(code));
    const stats = await crawler.run();
    return { codes, retries: stats.retries };
  }

  it('refuses a host key missing from known_hosts, once, without retrying', async () => {
    const empty = join(scratch, 'empty_known_hosts');
    await writeFile(empty, '');
    const codes = await failures(sshd.url(`${sshd.root}/tree/readme.txt`), {
      knownHosts: empty,
      retries: 2,
    });
    expect(codes).toEqual({ codes: ['AR_HOST_KEY'], retries: 0 });
  });

  it('accepts and records a new host key with acceptNewHostKeys', async () => {
    const path = join(scratch, 'new', 'known_hosts');
    const sink = memorySink();
    const stats = await crawl(siteSpider([sshd.url(`${sshd.root}/tree/readme.txt`)]), {
      ...options(),
      knownHosts: path,
      acceptNewHostKeys: true,
      output: sink,
    });
    expect(stats.failed).toBe(0);
    expect(sink.items).toHaveLength(1);
    expect(await readFile(path, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostKey}\n`);
  });

  it('refuses a changed host key even with acceptNewHostKeys', async () => {
    const other = join(scratch, 'changed_known_hosts');
    const forged = `ssh-ed25519 ${Buffer.concat([
      Buffer.from([0, 0, 0, 11]),
      Buffer.from('ssh-ed25519'),
      Buffer.from([0, 0, 0, 32]),
      Buffer.alloc(32, 7),
    ]).toString('base64')}`;
    await writeFile(other, `# old key\n[127.0.0.1]:${sshd.port} ${forged}\n`);
    const codes = await failures(sshd.url(`${sshd.root}/tree/readme.txt`), {
      knownHosts: other,
      acceptNewHostKeys: true,
    });
    expect(codes).toEqual({ codes: ['AR_HOST_KEY'], retries: 0 });
  });

  it('logs in with the key only: another key is refused with AR_AUTH', async () => {
    const wrong = join(scratch, 'wrong_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrong]);
    const codes = await failures(sshd.url(`${sshd.root}/tree/readme.txt`), { sshKey: wrong });
    expect(codes).toEqual({ codes: ['AR_AUTH'], retries: 0 });
  });

  it('keeps API jobs off private addresses (allowPrivate: false)', async () => {
    const codes = await failures(sshd.url(`${sshd.root}/tree/readme.txt`), {
      allowPrivate: false,
    });
    expect(codes).toEqual({ codes: ['AR_EGRESS_DENIED'], retries: 0 });
  });

  it('refuses a file over maxBytes before reading it, without retrying', async () => {
    const codes = await failures(sshd.url(`${sshd.root}/tree/readme.txt`), {
      maxBytes: 10,
      retries: 2,
    });
    expect(codes).toEqual({ codes: ['AR_BODY_TOO_LARGE'], retries: 0 });
  });

  it('retries a refused connection as a network error', async () => {
    const port = await freePort();
    const codes = await failures(`sftp://someone@127.0.0.1:${port}/x`, { retries: 1 });
    expect(codes).toEqual({ codes: ['AR_NETWORK'], retries: 1 });
  });
});
