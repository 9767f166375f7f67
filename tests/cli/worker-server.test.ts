// `arachne worker --server`: what it refuses before working, with the exit code and one line saying why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
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
