import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';

let site: LocalServer;
let broken = true;

beforeAll(async () => {
  site = await startLocalServer({
    '/robots.txt': 'User-agent: *\nAllow: /\n',
    '/': '<a href="/ok">ok</a><a href="/flaky">flaky</a>',
    '/ok': '<title>ok</title>',
    // A no-code crawl records a 500 as a page; a connection reset is a failed request.
    '/flaky': (req, res) => {
      if (broken) req.socket.destroy();
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<title>flaky</title>');
    },
  });
});
afterAll(() => site.close());

describe('failed requests in a state file', () => {
  it('are listed by `arachne state failed` and fetched again with --retry-failed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-failed-'));
    const state = join(dir, 'crawl.db');
    const out = join(dir, 'pages.jsonl');
    const args = [
      'crawl',
      `${site.origin}/`,
      '--state',
      state,
      '-o',
      out,
      '--retries',
      '0',
      '--no-progress',
    ];

    const first = await runCli(args);
    expect(first.code, first.stderr).toBe(0);
    const listed = await runCli(['state', 'failed', state]);
    expect(listed.stdout).toContain(`${site.origin}/flaky\tAR_NETWORK`);
    expect(listed.stdout).toContain('1 failed');

    // A plain resume leaves failures alone; --retry-failed queues them again.
    broken = false;
    const again = await runCli(args);
    expect(again.stdout).toMatch(/pages fetched\s+0/);
    const retried = await runCli([...args, '--retry-failed']);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toMatch(/pages fetched\s+1 \(200: 1\)/);
    expect((await runCli(['state', 'failed', state])).stdout).toContain('0 failed');
    const show = await runCli(['state', 'show', state]);
    expect(show.stdout).toMatch(/items\s+3/); // '/', '/ok' and, now, '/flaky': each page once
  });
});

describe('failed requests of a start URL with credentials', () => {
  it('are listed without the credentials, in the URL and the error, and still fetched with them on --retry-failed', async () => {
    const expected = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
    let down = true;
    const guarded = await startLocalServer((req, res) => {
      if (req.headers.authorization !== expected) res.writeHead(401).end();
      else if (req.url === '/robots.txt') res.writeHead(200).end('');
      else if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<a href="/down">down</a>');
      } else if (down) req.socket.destroy();
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<title>up</title>');
    });
    try {
      const dir = await mkdtemp(join(tmpdir(), 'arachne-failed-credentials-'));
      const state = join(dir, 'crawl.db');
      const args = [
        'crawl',
        `${guarded.origin.replace('http://', 'http://alice:s3cret@')}/`,
        '--state',
        state,
        '-o',
        join(dir, 'pages.jsonl'),
        '--retries',
        '0',
        '--no-progress',
      ];
      expect((await runCli(args)).code).toBe(0);

      const listed = await runCli(['state', 'failed', state]);
      expect(listed.stdout).toContain(`${guarded.origin}/down\tAR_NETWORK`);
      expect(listed.stdout).toContain(`${guarded.origin}/down\n`); // the error names the URL, redacted too
      expect(listed.stdout).not.toMatch(/alice|s3cret/);
      // The error message is stored redacted; the request keeps what --retry-failed needs to fetch it again.
      const db = new Database(state, { readonly: true });
      const row = db.prepare('SELECT error FROM requests WHERE state = 3').get() as {
        error: string;
      };
      db.close();
      expect(row.error).toContain(`${guarded.origin}/down`);
      expect(row.error).not.toMatch(/alice|s3cret/);

      down = false;
      const retried = await runCli([...args, '--retry-failed']);
      expect(retried.stdout).toMatch(/pages fetched\s+1 \(200: 1\)/);
      expect((await runCli(['state', 'failed', state])).stdout).toContain('0 failed');
    } finally {
      await guarded.close();
    }
  });
});
