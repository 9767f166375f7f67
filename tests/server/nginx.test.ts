// The README's nginx config (examples/nginx/arachne.conf), run by Debian's nginx with TLS on a non-default port of
// 127.0.0.1 in front of a real `arachne serve`: the API with the token header, the dashboard, and the WebSocket
// handshake a browser on that origin makes. With `Host $host` (the config before issue 14) that handshake got 403.
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startLocalServer } from '../helpers/local-server.js';
import { type Nginx, nginxUp, startNginx } from '../helpers/nginx.js';
import { spawnServe } from '../helpers/run-cli.js';
import { collectOutput, within } from '../helpers/wait.js';
import { testCert, testKey } from '../http/fixtures/tls.js';
import { makeProject } from './server-helpers.js';

const configPath = fileURLToPath(new URL('../../examples/nginx/arachne.conf', import.meta.url));
const readmePath = fileURLToPath(new URL('../../README.md', import.meta.url));
const token = 'a-token-for-the-nginx-test';
const up = await nginxUp();

/** `text` with `from` replaced by `to`, which must occur exactly `times` times (a changed config fails loudly). */
function substitute(text: string, from: string, to: string, times = 1): string {
  const found = text.split(from).length - 1;
  if (found !== times)
    throw new Error(`expected ${times} × "${from}" in the config, found ${found}`);
  return text.replaceAll(from, to);
}

/** The documented config on 127.0.0.1:`port` with the test certificate, proxying to `upstream`. */
function localConfig(config: string, upstream: string) {
  return (dir: string, port: number) => {
    let text = substitute(config, 'listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`);
    text = substitute(text, '/etc/ssl/crawl.pem', join(dir, 'cert.pem'));
    text = substitute(text, '/etc/ssl/crawl.key', join(dir, 'key.pem'));
    return substitute(text, 'http://127.0.0.1:6800', upstream, 2);
  };
}

describe.skipIf(!up)('arachne serve behind nginx (examples/nginx/arachne.conf)', () => {
  let serve: ChildProcess;
  let upstream: string;
  let config: string;
  const proxies: Nginx[] = [];
  const tls = new Agent({ connect: { ca: testCert } });

  beforeAll(async () => {
    config = await readFile(configPath, 'utf8');
    const project = await makeProject();
    serve = spawnServe(project, join(project, '.arachne'), { token });
    const stderr = collectOutput(serve.stderr);
    [, upstream = ''] = await stderr.match(/listening on (http:\/\/\S+)/);
  });
  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await tls.close();
    if (serve && serve.exitCode === null) {
      const exited = new Promise((resolve) => serve.once('exit', resolve));
      serve.kill('SIGTERM');
      await exited;
    }
  });

  async function proxy(text: string): Promise<{ origin: string; nginx: Nginx }> {
    const nginx = await startNginx(localConfig(text, upstream), {
      'cert.pem': testCert,
      'key.pem': testKey,
    });
    proxies.push(nginx);
    // The certificate is for localhost; a browser on this page sends this origin, port included.
    return { origin: `https://localhost:${nginx.port}`, nginx };
  }

  const call = (origin: string, path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${origin}${path}`, {
      dispatcher: tls,
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    });

  /** The WebSocket handshake of the dashboard's live feed, as a browser on `origin` makes it. */
  function openFeed(origin: string): Promise<{ status: number; ws?: WebSocket }> {
    const ws = new WebSocket(
      `${origin.replace('https:', 'wss:')}/ws`,
      ['arachne', `bearer.${token}`],
      {
        origin,
        ca: testCert,
      },
    );
    const opened = new Promise<{ status: number; ws?: WebSocket }>((resolve, reject) => {
      ws.on('unexpected-response', (_request, response) => {
        resolve({ status: response.statusCode ?? 0 });
        ws.terminate();
      });
      ws.on('open', () => resolve({ status: 101, ws }));
      ws.on('error', (error) => {
        if (!/Unexpected server response/.test(error.message)) reject(error);
      });
    });
    return within(opened, 10_000, `the WebSocket handshake through ${origin}`);
  }

  it('is the config the README shows, verbatim', async () => {
    const readme = await readFile(readmePath, 'utf8');
    expect(readme).toContain(`\`\`\`nginx\n${config}\`\`\``);
  });

  it('serves the API with the token header, refuses it without, and serves the dashboard', async () => {
    const { origin } = await proxy(config);
    const jobs = await call(origin, '/api/jobs');
    expect(jobs.status).toBe(200);
    expect(await jobs.json()).toHaveProperty('jobs');
    const anonymous = await fetch(`${origin}/api/jobs`, { dispatcher: tls });
    expect(anonymous.status).toBe(401);
    const dashboard = await fetch(`${origin}/`, { dispatcher: tls });
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toMatch(/<html/i);
  });

  it("opens the dashboard's WebSocket on a non-default port and pushes a job started through the API", async () => {
    const site = await startLocalServer({ '/': '<title>home</title>', '/robots.txt': '' });
    const { origin } = await proxy(config);
    const { status, ws } = await openFeed(origin);
    expect(status).toBe(101);
    if (!ws) throw new Error('no WebSocket');
    expect(ws.protocol).toBe('arachne');
    // biome-ignore lint/suspicious/noExplicitAny: JSON messages
    const messages: any[] = [];
    let wake = () => {};
    ws.on('message', (data) => {
      messages.push(JSON.parse(data.toString()));
      wake();
    });
    ws.send(JSON.stringify({ type: 'subscribe', jobs: '*' }));
    const created = await call(origin, '/api/jobs', {
      method: 'POST',
      body: { url: `${site.origin}/` },
    });
    expect(created.status).toBe(201);
    const { job } = (await created.json()) as { job: { id: string } };
    const finished = new Promise<void>((resolve) => {
      wake = () => {
        if (
          messages.some(
            (m) => m.type === 'job' && m.job.id === job.id && m.job.status === 'finished',
          )
        )
          resolve();
      };
      wake();
    });
    await within(
      finished,
      30_000,
      () => `job ${job.id} finished on the feed: ${JSON.stringify(messages)}`,
    );
    expect(messages.find((m) => m.type === 'jobs')).toBeDefined();
    ws.close();
  });

  it('with `Host $host` instead (the config before issue 14), the same handshake is refused: 403', async () => {
    const former = substitute(config, 'set_header Host $http_host', 'set_header Host $host', 2);
    const { origin } = await proxy(former);
    expect((await openFeed(origin)).status).toBe(403);
    // The API does not look at Host: it went through either way.
    expect((await call(origin, '/api/jobs')).status).toBe(200);
  });
});
