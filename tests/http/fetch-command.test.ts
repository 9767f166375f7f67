import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchCommand } from '../../src/cli/commands/fetch.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';

function capture() {
  const out = { stdout: '', stderr: '' };
  const output = {
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
  };
  return { out, output };
}

describe('arachne fetch', () => {
  let server: LocalServer;

  beforeAll(async () => {
    server = await startLocalServer((request, response) => {
      if (request.url === '/old') return void response.writeHead(301, { location: '/' }).end();
      if (request.url === '/image') {
        response.setHeader('content-type', 'image/png');
        return void response.end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      }
      response.setHeader('content-type', 'text/html; charset=utf-8');
      response.setHeader('x-echo-agent', request.headers['user-agent'] ?? '');
      response.setHeader('x-echo-custom', request.headers['x-custom'] ?? '');
      response.end('<html><body><h2>First</h2><p>para</p><h2> Second </h2></body></html>');
    });
  });

  afterAll(async () => {
    await server.close();
  });

  it('prints the status line, headers, timings and body', async () => {
    const { out, output } = capture();
    const code = await fetchCommand([`${server.origin}/old`], output);
    expect(code).toBe(0);
    const lines = out.stdout.split('\n');
    expect(lines[0]).toBe(`200 OK  ${server.origin}/`);
    expect(lines[1]).toBe(`redirected from: ${server.origin}/old`);
    expect(out.stdout).toContain('content-type: text/html; charset=utf-8');
    expect(out.stdout).toMatch(
      /timings: DNS \d+\.\d ms · connect \d+\.\d ms · TLS \d+\.\d ms · first byte \d+\.\d ms · total \d+\.\d ms/,
    );
    expect(out.stdout).toContain('<h2>First</h2>');
    expect(out.stderr).toBe('');
  });

  it('prints the text of each element matching --select, one per line, instead of the body', async () => {
    const { out, output } = capture();
    expect(await fetchCommand([`${server.origin}/`, '--select', 'h2'], output)).toBe(0);
    expect(out.stdout.endsWith('First\nSecond\n')).toBe(true);
    expect(out.stdout).not.toContain('<p>para</p>');
  });

  it('sends --header and --user-agent, and hides the body with --no-body', async () => {
    const { out, output } = capture();
    const argv = [
      `${server.origin}/`,
      '-H',
      'X-Custom: 42',
      '--user-agent',
      'probe/1',
      '--no-body',
    ];
    expect(await fetchCommand(argv, output)).toBe(0);
    expect(out.stdout).toContain('x-echo-agent: probe/1');
    expect(out.stdout).toContain('x-echo-custom: 42');
    expect(out.stdout).not.toContain('<html>');
  });

  it('does not dump binary bodies', async () => {
    const { out, output } = capture();
    expect(await fetchCommand([`${server.origin}/image`], output)).toBe(0);
    expect(out.stdout).toContain('[4 bytes of image/png not shown]');
  });

  it('prints usage for --help and exits 0', async () => {
    const { out, output } = capture();
    expect(await fetchCommand(['--help'], output)).toBe(0);
    expect(out.stdout).toContain('Usage: arachne fetch <URL>');
  });

  it('exits 2 with one line on stderr for a bad URL, a missing URL or a bad flag', async () => {
    for (const argv of [
      ['not-a-url'],
      ['ftp://example.com/'],
      [],
      [`${server.origin}/`, '--timeout-ms', 'soon'],
      ['--nope'],
    ]) {
      const { out, output } = capture();
      expect(await fetchCommand(argv, output)).toBe(2);
      expect(out.stderr.trim().split('\n')).toHaveLength(1);
      expect(out.stderr.startsWith('arachne fetch: ')).toBe(true);
      expect(out.stdout).toBe('');
    }
  });

  it('exits 1 with one line on stderr when the network fails', async () => {
    const silent = await startLocalServer(() => {});
    try {
      const { out, output } = capture();
      expect(await fetchCommand([`${silent.origin}/`, '--timeout-ms', '200'], output)).toBe(1);
      expect(out.stderr).toMatch(/^arachne fetch: Timed out \(headers\)/);
      expect(out.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      await silent.close();
    }
  });
});
