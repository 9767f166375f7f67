import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';
import { whenEvent } from '../helpers/wait.js';

let site: LocalServer;

beforeAll(async () => {
  site = await startLocalServer({
    '/robots.txt': 'User-agent: *\nAllow: /\n',
    '/': '<title>home</title>',
  });
});
afterAll(() => site.close());

const crawlWithState = (state: string) =>
  runCli(['crawl', `${site.origin}/`, '--state', state, '--no-progress']);

/** One line on stderr naming the path, and the exit code of the other state errors; no stack trace. */
function expectStateRefusal(result: Awaited<ReturnType<typeof runCli>>, state: string): void {
  expect(result.code, result.stderr).toBe(2);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toContain(state);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('a bad state path', () => {
  it('that is a directory is refused in one line naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-state-dir-'));
    const state = join(dir, 'crawl.db');
    await mkdir(state);
    const result = await crawlWithState(state);
    expectStateRefusal(result, state);
    expect(result.stderr).toContain('is a directory');
  });
});

describe('the state lock', () => {
  it('naming a live pid that started at another time (a reused pid) is stale: the crawl resumes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-state-lock-'));
    const state = join(dir, 'crawl.db');
    expect((await crawlWithState(state)).code).toBe(0);
    // The test runner's pid is live, but not the process that started at tick 1 and wrote this lock.
    await writeFile(
      `${state}.lock`,
      JSON.stringify({ pid: process.pid, token: 'a-killed-crawl', startTime: '1' }),
    );
    const resumed = await crawlWithState(state);
    expect(resumed.code, resumed.stderr).toBe(0);
  });

  it('held by a live crawl process is refused as before', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-state-held-'));
    const state = join(dir, 'crawl.db');
    const lockModule = fileURLToPath(new URL('../../dist/state/state-lock.js', import.meta.url));
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { lockStateFile } = await import(${JSON.stringify(lockModule)});
         lockStateFile(${JSON.stringify(state)}); console.log('locked'); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await whenEvent(
        holder.stdout,
        'data',
        (chunk: Buffer) => String(chunk).includes('locked') || undefined,
        {
          timeoutMs: 20_000,
          what: 'the holder to take the lock',
        },
      );
      const refused = await crawlWithState(state);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`in use by another crawl (pid ${holder.pid}`);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
