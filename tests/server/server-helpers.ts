// Shared by the server tests: a temp project with spiders, an in-process server, an API caller, waits on its job events.
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningServer, type ServerConfig, startServer } from '../../src/server/server.js';
import type { Job, JobStatus } from '../../src/server/types.js';
import { whenEvent } from '../helpers/wait.js';

export const shopSpiderPath = fileURLToPath(new URL('../../examples/shop.ts', import.meta.url));

/** A temp project directory holding examples/shop.ts (spider "shop") and the given extra files. */
export async function makeProject(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'arachne-serve-'));
  await copyFile(shopSpiderPath, join(dir, 'shop.ts'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test convenience over JSON bodies
  json: any;
}

export interface TestServer {
  server: RunningServer;
  api(method: string, path: string, body?: unknown, token?: string | null): Promise<ApiResponse>;
  job(id: string): Promise<Job>;
  /** The job once it has one of `statuses` (woken by the job manager's events, not polled). */
  waitForStatus(id: string, statuses: JobStatus[], timeoutMs?: number): Promise<Job>;
  /** The first job, existing or coming, that satisfies `accept`. */
  waitForJob(what: string, accept: (job: Job) => boolean, timeoutMs?: number): Promise<Job>;
  close(): Promise<void>;
}

export async function startTestServer(
  config: Partial<ServerConfig> & { project: string },
): Promise<TestServer> {
  const server = await startServer({ port: 0, graceMs: 2000, ...config });
  const api: TestServer['api'] = async (method, path, body, token = server.token) => {
    const headers: Record<string, string> = {};
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await server.app.request(path, {
      method,
      headers,
      ...(body !== undefined
        ? { body: typeof body === 'string' ? body : JSON.stringify(body) }
        : {}),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  };
  const job = async (id: string) => (await api('GET', `/api/jobs/${id}`)).json.job as Job;
  return {
    server,
    api,
    job,
    async waitForStatus(id, statuses, timeoutMs = 30_000) {
      const reached = (candidate: Job) =>
        candidate.id === id && statuses.includes(candidate.status);
      await whenEvent(server.manager, 'job', (changed: Job) => reached(changed) || undefined, {
        timeoutMs,
        what: `job ${id} to reach ${statuses.join('/')}`,
        now: async () => reached(await job(id)) || undefined,
      });
      return job(id);
    },
    waitForJob: (what, accept, timeoutMs = 30_000) =>
      whenEvent(server.manager, 'job', (changed: Job) => (accept(changed) ? changed : undefined), {
        timeoutMs,
        what,
        now: async () => ((await api('GET', '/api/jobs')).json.jobs as Job[]).find(accept),
      }),
    close: () => server.close(),
  };
}

/** Items lines of a JSON Lines body. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}
