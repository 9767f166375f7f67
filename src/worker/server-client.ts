/** A worker's calls to the job server's API (/api/workers, /api/spiders/:name/bundle), with the token. */
import { ServerCallError } from '../errors.js';
import type { SpiderBundle, WorkJob } from '../server/routes-workers.js';
import type { WorkerBeat, WorkerHello, WorkerView } from '../server/worker-registry.js';
import { redactUrlsIn } from '../url/redact-url.js';

export interface Registration {
  worker: WorkerView;
  frontier: string;
  heartbeatMs: number;
}

const callTimeoutMs = 10_000;

export class ServerClient {
  readonly #base: string;
  readonly #token: string;

  constructor(server: string, token: string) {
    this.#base = server.replace(/\/+$/, '');
    this.#token = token;
  }

  register(hello: WorkerHello): Promise<Registration> {
    return this.#call('POST', '/api/workers', hello) as Promise<Registration>;
  }

  /** The running jobs; a ServerCallError with status 404 when the server no longer knows this worker. */
  async beat(id: string, beat: WorkerBeat): Promise<WorkJob[]> {
    const reply = (await this.#call('POST', `/api/workers/${id}/heartbeat`, beat)) as {
      jobs: WorkJob[];
    };
    return reply.jobs;
  }

  async leave(id: string): Promise<void> {
    await this.#call('DELETE', `/api/workers/${id}`);
  }

  bundle(spider: string): Promise<SpiderBundle> {
    return this.#call(
      'GET',
      `/api/spiders/${encodeURIComponent(spider)}/bundle`,
    ) as Promise<SpiderBundle>;
  }

  async #call(method: string, path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.#base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.#token}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(callTimeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new ServerCallError(
        `cannot reach the server at ${redactUrlsIn(this.#base)}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
        undefined,
        { cause: error },
      );
    }
    const text = await response.text();
    if (!response.ok) {
      let message = text.slice(0, 200);
      try {
        message = (JSON.parse(text) as { error: { message: string } }).error.message;
      } catch {}
      throw new ServerCallError(
        `${method} ${path}: ${response.status} ${message}`,
        response.status,
      );
    }
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }
}
