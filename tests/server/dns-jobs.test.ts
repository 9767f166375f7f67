// `arachne serve --dns`: jobs resolve names with the server's DNS servers, and the submission check of a server
// without --allow-private resolves through them too, so a name they map to a private address is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DnsServer, dnsmasqUp, startDnsmasq } from '../helpers/dnsmasq.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';
import { makeProject, startTestServer, type TestServer } from './server-helpers.js';

const up = await dnsmasqUp();

describe.skipIf(!up)('a server with --dns', () => {
  let dnsmasq: DnsServer;
  let site: LocalServer;
  let guarded: TestServer;
  let open: TestServer;
  beforeAll(async () => {
    dnsmasq = await startDnsmasq({ records: { 'site.test': ['127.0.0.1'] } });
    site = await startLocalServer({ '/': '<title>by name</title>', '/robots.txt': '' });
    const project = await makeProject();
    guarded = await startTestServer({ project, dns: [dnsmasq.server] });
    open = await startTestServer({
      project: await makeProject(),
      dns: [dnsmasq.server],
      allowPrivate: true,
    });
  });
  afterAll(async () => {
    await guarded?.close();
    await open?.close();
    await site?.close();
    await dnsmasq?.close();
  });

  it('runs jobs that reach a name only its DNS servers know, DNS counted in the job stats', async () => {
    const response = await open.api('POST', '/api/jobs', {
      url: `http://site.test:${site.port}/`,
      options: { retries: 0 },
    });
    expect(response.status, response.text).toBe(201);
    const job = await open.waitForStatus(response.json.job.id, ['finished', 'failed']);
    expect(job.status).toBe('finished');
    expect(job.stats?.responsesByStatus).toMatchObject({ 200: 1 });
    expect(job.stats?.dnsLookups).toBeGreaterThanOrEqual(1);
  });

  it('refuses at submission a URL whose name its DNS servers resolve to a private address', async () => {
    const before = site.requests.length;
    const response = await guarded.api('POST', '/api/jobs', {
      url: `http://site.test:${site.port}/`,
    });
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code: 'AR_BAD_REQUEST', field: 'url' });
    expect(response.json.error.message).toContain('site.test (resolves to 127.0.0.1)');
    expect(site.requests.length).toBe(before);
  });

  it('will not start with a DNS server that is not address[:port], from the API or the CLI', async () => {
    await expect(
      startTestServer({ project: await makeProject(), dns: ['not a server'] }),
    ).rejects.toMatchObject({ code: 'AR_CONFIG' });
    const project = await makeProject();
    const cli = await runCli([
      'serve',
      '--project',
      project,
      '--port',
      '0',
      '--dns',
      `${dnsmasq.server},nope nope`,
    ]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('DNS server must be address[:port], got "nope nope"');
  });
});
