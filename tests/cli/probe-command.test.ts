// `arachne probe`: the real CLI against local servers — each step's outcome, the exit code, --json.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ProbeReport } from '../../src/probe/probe.js';
import { startLocalServer } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';

const pingWorks = await promisify(execFile)('ping', ['-n', '-c', '1', '-W', '1', '127.0.0.1']).then(
  () => true,
  (error: Error) => {
    console.warn(`ICMP echo is not permitted on this machine, its probe test is skipped: ${error.message}`);
    return false;
  },
);

async function probeJson(...args: string[]): Promise<{ code: number | null; report: ProbeReport }> {
  const result = await runCli(['probe', ...args, '--json']);
  return { code: result.code, report: JSON.parse(result.stdout) as ProbeReport };
}

describe('arachne probe', () => {
  it('walks DNS, TCP, HTTP (with redirects) and robots.txt on a reachable page', async () => {
    const site = await startLocalServer({
      '/robots.txt': 'User-agent: *\nDisallow: /private\nCrawl-delay: 2\n',
      '/old': (_req, res) => res.writeHead(301, { location: '/page' }).end(),
      '/page': '<h1>ok</h1>',
    });
    const url = `http://localhost:${site.port}/old`;
    const text = await runCli(['probe', url, '--no-icmp']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^DNS {4}✓ localhost .*\n {9}IPv4 127\.0\.0\.1/m);
    expect(text.stdout).toMatch(new RegExp(`TCP {4}✓ 127\\.0\\.0\\.1:${site.port} connected in [\\d.]+ ms`));
    expect(text.stdout).toContain(`HTTP   ✓ 200 http://localhost:${site.port}/page`);
    expect(text.stdout).toContain(`redirected from http://localhost:${site.port}/old`);
    expect(text.stdout).toContain('robots ✓ allowed for arachne/');
    expect(text.stdout).toContain('Crawl-delay 2 s');
    expect(text.stdout).not.toContain('ICMP');

    const { code, report } = await probeJson(`http://127.0.0.1:${site.port}/private/x`, '--no-icmp');
    expect(code).toBe(1);
    expect(report.dns.source).toBe('literal');
    expect(report.http.status).toBe(404);
    expect(report.robots).toMatchObject({ allowed: false, status: 200, crawlDelayMs: 2000 });
  });

  it('names the failing layer: a refused connection, an unknown host', async () => {
    const refused = await runCli(['probe', 'http://127.0.0.1:1/', '--no-icmp']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('TCP    ✗ 127.0.0.1:1 ECONNREFUSED');
    expect(refused.stdout).toMatch(/HTTP {3}✗ .*ECONNREFUSED/);

    const unknown = await probeJson('http://no-such-host.invalid/', '--no-icmp');
    expect(unknown.code).toBe(1);
    expect(unknown.report.dns.answers).toEqual([]);
    expect(unknown.report.dns.error).toMatch(/^E[A-Z]+$/);
    expect(unknown.report.tcp).toEqual([]);
  });

  it('shows the TLS handshake and the certificate chain, and fails an unverified one', async () => {
    const site = await startLocalServer({ '/': 'hi' }, { tls: true });
    const { code, report } = await probeJson(`https://127.0.0.1:${site.port}/`, '--no-icmp');
    expect(code).toBe(1); // the test certificate is self-signed
    expect(report.tls?.protocol).toBe('TLSv1.3');
    expect(report.tls?.alpn).toBe('http/1.1');
    expect(report.tls?.authorized).toBe(false);
    expect(report.tls?.authorizationError).toMatch(/SELF_SIGNED/);
    expect(report.tls?.chain?.length).toBe(1);
    expect(report.tls?.chain?.[0]?.daysLeft).toBeGreaterThan(0);
    const text = await runCli(['probe', `https://127.0.0.1:${site.port}/`, '--no-icmp']);
    expect(text.stdout).toMatch(/TLS {4}✗ TLSv1\.3 \S+, ALPN http\/1\.1, in [\d.]+ ms; chain not verified: /);
    expect(text.stdout).toMatch(/ {9}0 .*days left\)/);
  });

  it.skipIf(!pingWorks)('sends ICMP echo where the machine permits it', async () => {
    const { report } = await probeJson('http://127.0.0.1:1/');
    expect(report.icmp).toMatchObject({ address: '127.0.0.1', permitted: true, sent: 3, received: 3 });
    expect(report.icmp?.rttMs).toHaveLength(3);
    for (const rtt of report.icmp?.rttMs ?? []) expect(rtt).toBeGreaterThan(0);
  });

  it('says so when ICMP cannot be sent, and still reports the rest', async () => {
    const result = await runCli(['probe', 'http://127.0.0.1:1/'], { env: { PATH: '/nonexistent' } });
    expect(result.stdout).toContain('ICMP   – no ping command on this machine');
    expect(result.stdout).toContain('TCP    ✗ 127.0.0.1:1 ECONNREFUSED');
  });

  it('refuses a bad URL or option with exit code 2', async () => {
    expect((await runCli(['probe', 'not a url'])).code).toBe(2);
    expect((await runCli(['probe'])).stderr).toContain('one URL is required');
    expect((await runCli(['probe', 'http://x/', '--timeout-ms', '0'])).code).toBe(2);
  });
});
