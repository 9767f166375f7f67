// `arachne worker --server`: what it refuses before working, with the exit code and one line saying why.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUp } from '../distributed/redis-helpers.js';
import { runCli, spawnServe } from '../helpers/run-cli.js';
import { collectOutput } from '../helpers/wait.js';
import { makeProject, startTestServer, type TestServer } from '../server/server-helpers.js';

describe('arachne worker --server', () => {
  let server: TestServer;

  beforeAll(async () => {
    // A server without --frontier: it runs its jobs itself and has no use for workers.
    server = await startTestServer({ project: await makeProject() });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('needs a token, an http(s) server URL, and no spider', async () => {
    const noToken = await runCli(['worker', '--server', server.server.url], {
      env: { ARACHNE_TOKEN: '' },
    });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/needs --token TOKEN or \$ARACHNE_TOKEN/);

    const notHttp = await runCli(['worker', '--server', 'ftp://127.0.0.1/', '--token', 't']);
    expect(notHttp.code).toBe(2);
    expect(notHttp.stderr).toMatch(/--server must be an http\(s\) URL/);

    const withSpider = await runCli([
      'worker',
      '--server',
      server.server.url,
      '--token',
      't',
      'shop.ts',
    ]);
    expect(withSpider.code).toBe(2);
    expect(withSpider.stderr).toMatch(/takes no spider or URL/);
  });

  it('stops at once on a wrong token, and on a server that runs its jobs itself', async () => {
    const wrongToken = await runCli(['worker', '--server', server.server.url], {
      env: { ARACHNE_TOKEN: `${server.server.token}x` },
    });
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toMatch(/401 missing or wrong token/);
    expect(wrongToken.stderr).not.toContain(server.server.token);

    const notShared = await runCli(['worker', '--server', server.server.url], {
      env: { ARACHNE_TOKEN: server.server.token },
    });
    expect(notShared.code).toBe(1);
    expect(notShared.stderr).toMatch(/409 .*--frontier redis:/);
  });
});

describe('arachne serve --frontier', () => {
  it('refuses --lease-ms or --host-turns without --frontier, and a --frontier that is not Redis', async () => {
    const project = await makeProject();
    const leaseAlone = await runCli(['serve', '--project', project, '--lease-ms', '2000']);
    expect(leaseAlone.code).toBe(2);
    expect(leaseAlone.stderr).toMatch(/--lease-ms and --host-turns need --frontier/);
    const notRedis = await runCli(['serve', '--project', project, '--frontier', 'sqlite:x.db']);
    expect(notRedis.code).toBe(2);
    expect(notRedis.stderr).toMatch(/--frontier must be a redis:\/\/ or rediss:\/\/ URL/);
  });

  it.skipIf(!redisUp)('starts a server whose jobs are shared crawls, open to workers', async () => {
    const project = await makeProject();
    const token = 'a-token-for-this-test-only';
    const child = spawnServe(project, await mkdtemp(join(tmpdir(), 'arachne-serve-shared-')), {
      token,
      args: [
        '--frontier',
        'redis://127.0.0.1:6379/7',
        '--lease-ms',
        '2000',
        '--host-turns',
        'cli-test',
      ],
    });
    try {
      const stderr = collectOutput(child.stderr);
      await stderr.match(/start workers with 'arachne worker --server (http:\S+)'/);
      const url = /--server (http:\/\/[^']+)'/.exec(stderr.text())?.[1];
      const response = await fetch(`${url}/api/workers`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(await response.json()).toMatchObject({ shared: true, workers: [] });
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('close', resolve));
    }
  });
});
