import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Listening } from '../helpers/local-server.js';
import { runCli, spawnServe } from '../helpers/run-cli.js';
import { createTestPki, type TestPki } from '../helpers/test-pki.js';
import { startTlsSites, type TlsSites } from '../helpers/tls-sites.js';
import { collectOutput, waitFor } from '../helpers/wait.js';
import { makeProject } from '../server/server-helpers.js';

let pki: TestPki;
let privateCa: Listening;
let expired: Listening;
let clientCert: Listening;
let tls12: Listening;

let sites: TlsSites | undefined;

beforeAll(async () => {
  pki = createTestPki();
  sites = await startTlsSites(pki);
  ({ privateCa, expired, clientCert, tls12 } = sites);
});
let serve: ChildProcess | undefined;
afterAll(async () => {
  if (serve?.exitCode === null) serve.kill('SIGKILL');
  await sites?.close();
  pki?.remove();
});

/** `arachne crawl URL -o FILE --no-robots …`: the result and the items written. */
async function crawlCli(origin: string, args: string[] = [], name = 'out') {
  const output = join(pki.dir, `${name}-${Math.random().toString(36).slice(2)}.jsonl`);
  const result = await runCli(['crawl', `${origin}/`, '-o', output, '--no-robots', ...args]);
  let items = '';
  try {
    items = readFileSync(output, 'utf8');
  } catch {}
  return { ...result, items };
}

describe('arachne crawl with TLS options', () => {
  it('--ca: fails without it on one clear line, succeeds with it', async () => {
    const without = await crawlCli(privateCa.origin);
    expect(without.code).toBe(1);
    const line = without.stderr.split('\n').find((l) => l.includes('request failed'));
    expect(line).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate/);
    const withCa = await crawlCli(privateCa.origin, ['--ca', pki.caFile]);
    expect(withCa.code).toBe(0);
    expect(withCa.items).toContain('ok /');
  });

  it('--insecure: an expired certificate fails without it, passes with a warning and the stat', async () => {
    const strict = await crawlCli(expired.origin, ['--ca', pki.caFile]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('CERT_HAS_EXPIRED');
    const insecure = await crawlCli(expired.origin, ['--insecure']);
    expect(insecure.code).toBe(0);
    expect(insecure.items).toContain('ok /');
    expect(insecure.stderr.match(/WARN insecure: TLS certificates are not verified/g)).toHaveLength(
      1,
    );
    expect(insecure.stdout).toMatch(/tls\s+certificates not verified \(insecure\)/);
  });

  it('--cert/--key: a server requiring a client certificate', async () => {
    const without = await crawlCli(clientCert.origin, ['--ca', pki.caFile]);
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    const withCert = await crawlCli(clientCert.origin, [
      '--ca',
      pki.caFile,
      '--cert',
      pki.client.certFile,
      '--key',
      pki.client.keyFile,
    ]);
    expect(withCert.code).toBe(0);
    expect(withCert.items).toContain('ok /');
    const half = await crawlCli(clientCert.origin, ['--cert', pki.client.certFile]);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('needs both cert and key');
  });

  it('--tls-min-version TLSv1.3 refuses a TLS 1.2 server', async () => {
    const strict = await crawlCli(tls12.origin, [
      '--ca',
      pki.caFile,
      '--tls-min-version',
      'TLSv1.3',
    ]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/protocol|version/i);
    const bad = await crawlCli(tls12.origin, ['--tls-min-version', 'TLSv1.0']);
    expect(bad.code).toBe(2);
  });
});

describe('arachne fetch with TLS', () => {
  it('prints protocol, cipher, ALPN and the chain with expiry', async () => {
    const { code, stdout } = await runCli([
      'fetch',
      `${privateCa.origin}/`,
      '--ca',
      pki.caFile,
      '--no-body',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^tls: TLSv1\.3 · \S+ · ALPN http\/1\.1 · chain verified$/m);
    expect(stdout).toMatch(/^cert 0: CN=localhost$/m);
    expect(stdout).toMatch(/^ {2}issuer CN=Arachne Test CA$/m);
    expect(stdout).toMatch(/^ {2}valid .+ → .+ \((29|30) days left\)$/m);
    expect(stdout).toMatch(/^ {2}names localhost, 127\.0\.0\.1$/m);
    expect(stdout).toMatch(/^cert 1: CN=Arachne Test CA$/m);
  });

  it('shows why an expired certificate is refused, and --insecure fetches it with a warning', async () => {
    const strict = await runCli(['fetch', `${expired.origin}/`, '--ca', pki.caFile]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('chain NOT verified: CERT_HAS_EXPIRED');
    expect(strict.stdout).toMatch(/valid Jan {2}1 00:00:00 2020 GMT → .+ \(EXPIRED \d+ days ago\)/);
    expect(strict.stderr).toContain('CERT_HAS_EXPIRED: certificate has expired');
    const insecure = await runCli(['fetch', `${expired.origin}/`, '--insecure']);
    expect(insecure.code).toBe(0);
    expect(insecure.stdout).toContain('<title>ok /</title>');
    expect(insecure.stderr).toContain('warning: insecure: TLS certificates are not verified');
  });

  it('--cert/--key reach a server that requires a client certificate', async () => {
    const args = ['fetch', `${clientCert.origin}/`, '--ca', pki.caFile];
    expect((await runCli(args)).code).toBe(1);
    const ok = await runCli([...args, '--cert', pki.client.certFile, '--key', pki.client.keyFile]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('<title>ok /</title>');
  });
});

describe('arachne serve with TLS flags', () => {
  it('refuses an unreadable --ca at start (exit 2)', async () => {
    const result = await runCli(['serve', '--project', pki.dir, '--ca', `${pki.dir}/nope.pem`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/ca .*nope\.pem: cannot read the file \(ENOENT\)/);
  });

  it('--ca/--cert/--key apply to every job, --allow-insecure lets a job set insecure', async () => {
    const token = 'a-token-for-the-tls-test';
    serve = spawnServe(await makeProject(), mkdtempSync(join(tmpdir(), 'arachne-serve-tls-')), {
      token,
      args: [
        '--ca',
        pki.caFile,
        '--cert',
        pki.client.certFile,
        '--key',
        pki.client.keyFile,
        '--allow-insecure',
      ],
    });
    const stderr = collectOutput(serve.stderr);
    const base = (await stderr.match(/listening on (http:\/\/\S+)/))[1];
    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      // biome-ignore lint/suspicious/noExplicitAny: test convenience over JSON bodies
      return { status: response.status, json: (await response.json()) as Record<string, any> };
    };
    const finished = async (url: string, options: Record<string, unknown> = {}) => {
      const created = await api('POST', '/api/jobs', {
        url,
        options: { retries: 0, robots: false, ...options },
      });
      expect(created.status).toBe(201);
      const id = created.json.job.id as string;
      return waitFor('the job to end', async () => {
        const { job } = (await api('GET', `/api/jobs/${id}`)).json;
        return job.status === 'finished' || job.status === 'failed' ? job : undefined;
      });
    };
    const mutual = await finished(`${clientCert.origin}/`);
    expect(mutual.status).toBe('finished');
    const insecure = await finished(`${expired.origin}/`, { insecure: true });
    expect(insecure.status).toBe('finished');
    expect(insecure.stats.tlsInsecure).toBe(true);
    const paths = await api('POST', '/api/jobs', {
      url: `${privateCa.origin}/`,
      options: { ca: ['/etc/passwd'] },
    });
    expect(paths.status).toBe(400);
    serve.kill('SIGTERM');
  });
});
