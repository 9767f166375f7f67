import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
