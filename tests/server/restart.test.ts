import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  generateShop,
  type ShopServerProcess,
  startShopServer,
} from '../../src/sample-shop/index.js';
import { spawnServe } from '../helpers/run-cli.js';
import { collectOutput, waitFor, whenEvent, within } from '../helpers/wait.js';
import { lines, makeProject } from './server-helpers.js';

// The real `arachne serve` (built dist/), killed with SIGKILL together with its job process, then started again.
const seed = 9;
const products = 60;
let shop: ShopServerProcess;
let project: string;
let dataDir: string;
const started: ChildProcess[] = [];

beforeAll(async () => {
  shop = await startShopServer({ seed, products });
  project = await makeProject();
  dataDir = await mkdtemp(join(tmpdir(), 'arachne-serve-data-'));
});
afterAll(async () => {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }
  }
  await shop?.stop();
});

interface Serve {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `arachne serve` in its own process group (so the server and its job processes can be killed at once). */
async function serve(): Promise<Serve> {
  const child = spawnServe(project, dataDir, { token: '', detached: true });
  started.push(child);
  const stderr = collectOutput(child.stderr);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const [, url = ''] = await stderr.match(/listening on (http:\/\/\S+)/);
  return { child, url, stderr: stderr.text, exited };
}

/** Whether process `pid` still runs: a zombie (dead, not yet reaped by init) does not. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
  }
  try {
    process.kill(pid, 0); // no /proc: signal 0 tells whether it exists
    return true;
  } catch {
    return false;
  }
}

async function call(server: Serve, method: string, path: string) {
  const token = (await readFile(join(dataDir, 'token'), 'utf8')).trim();
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(method === 'POST' && path === '/api/jobs'
      ? {
          body: JSON.stringify({
            spider: 'shop',
            start: [`${shop.origin}/`],
            options: { concurrency: 1, perHost: 1, delayMs: 25 },
          }),
        }
      : {}),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

async function jobOf(server: Serve, id: string) {
  return JSON.parse((await call(server, 'GET', `/api/jobs/${id}`)).text).job;
}

interface JobView {
  id: string;
  status: string;
}

/** The job once it has one of `statuses`, as the server pushes it over its WebSocket (now, then each change). */
async function jobReaching(
  server: Serve,
  id: string,
  statuses: string[],
  timeoutMs = 30_000,
): Promise<JobView> {
  const token = (await readFile(join(dataDir, 'token'), 'utf8')).trim();
  const ws = new WebSocket(`${server.url.replace('http:', 'ws:')}/ws?token=${token}`);
  try {
    await within(
      new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      }),
      10_000,
      'the WebSocket to open',
    );
    const reached = whenEvent(
      ws,
      'message',
      (data: WebSocket.RawData) => {
        const message = JSON.parse(data.toString()) as { type: string; job?: JobView };
        const job = message.type === 'job' ? message.job : undefined;
        return job?.id === id && statuses.includes(job.status) ? job : undefined;
      },
      { timeoutMs, what: `job ${id} to reach ${statuses.join('/')}` },
    );
    ws.send(JSON.stringify({ type: 'subscribe', job: id })); // answered with the job as it is now
    return await reached;
  } finally {
    ws.terminate();
  }
}

async function itemCount(server: Serve, id: string): Promise<number> {
  return Number(
    (await call(server, 'GET', `/api/jobs/${id}/items?limit=1`)).headers.get('x-total-count'),
  );
}

describe('arachne serve across restarts', () => {
  it('a job running when the server is killed shows failed (server stopped) and resumes to the exact item count', async () => {
    const first = await serve();
    expect(first.stderr()).toContain(join(dataDir, 'token'));
    expect((await stat(join(dataDir, 'token'))).mode & 0o777).toBe(0o600);
    const id = JSON.parse((await call(first, 'POST', '/api/jobs')).text).job.id as string;
    await waitFor('items exported', async () =>
      (await itemCount(first, id)) >= 5 ? true : undefined,
    );
    // The job process holds the lock beside its state file, with its pid in it.
    const lock = await readFile(join(dataDir, 'jobs', id, 'state.db.lock'), 'utf8');
    const jobPid = (JSON.parse(lock) as { pid: number }).pid;
    expect(running(jobPid)).toBe(true);

    process.kill(-(first.child.pid as number), 'SIGKILL');
    await first.exited;
    // The job process is in the same group: it is gone too before the state is reopened.
    await waitFor('the job process to die', () => (running(jobPid) ? undefined : true), {
      timeoutMs: 10_000,
    });

    const second = await serve();
    const failed = await jobOf(second, id);
    expect(failed).toMatchObject({ status: 'failed', reason: 'server stopped' });
    expect(await itemCount(second, id)).toBeLessThan(products);

    expect((await call(second, 'POST', `/api/jobs/${id}/resume`)).status).toBe(200);
    const done = await jobReaching(second, id, ['finished', 'failed'], 60_000);
    expect(done).toMatchObject({ status: 'finished', runs: 2 });
    const body = (await call(second, 'GET', `/api/jobs/${id}/items?limit=1000`)).text;
    const urls = lines(body)
      .map((line) => (JSON.parse(line) as { url: string }).url)
      .sort();
    const expected = generateShop({ seed, products })
      .expectedItems()
      .map((item) => `${shop.origin}${item.url}`)
      .sort();
    expect(urls).toHaveLength(products);
    expect(urls).toEqual(expected);
    // The job's totals add up over both runs, the one lost with the server included, in the list too.
    const resumed = await jobOf(second, id);
    const listed = (
      JSON.parse((await call(second, 'GET', '/api/jobs')).text).jobs as Array<{
        id: string;
        stats: { items: number };
      }>
    ).find((job) => job.id === id);
    expect(resumed.stats.items).toBe(products);
    expect(listed?.stats.items).toBe(products);
    expect(resumed.perRun).toHaveLength(2);
    expect(resumed.perRun[0].reason).toBe('server stopped');
    expect(resumed.perRun[0].stats.items + resumed.perRun[1].stats.items).toBe(products);

    // SIGTERM: a graceful stop; a job still running is paused, not failed.
    const next = JSON.parse((await call(second, 'POST', '/api/jobs')).text).job.id as string;
    await jobReaching(second, next, ['running']);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const third = await serve();
    expect(await jobOf(third, next)).toMatchObject({ status: 'paused', reason: 'server stopped' });
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  }, 90_000);
});
