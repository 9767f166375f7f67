import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { runCli, spawnServe } from '../helpers/run-cli.js';
import { collectOutput, whenEvent } from '../helpers/wait.js';
import { makeProject } from './server-helpers.js';

let site: LocalServer;
let project: string;
let smtp: SMTPServer;
let smtpPort: number;
interface Mail {
  to: string[];
  raw: string;
}
const mails: Mail[] = [];
/** Emits 'mail' for each message the SMTP server accepts. */
const mailbox = new EventEmitter();
let server: ChildProcess | undefined;

beforeAll(async () => {
  site = await startLocalServer({
    '/': '<title>home</title>',
    '/robots.txt': 'User-agent: *\nAllow: /\n',
  });
  project = await makeProject();
  smtp = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const mail = {
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString(),
        };
        mails.push(mail);
        mailbox.emit('mail', mail);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});
afterAll(async () => {
  if (server?.exitCode === null) server.kill('SIGKILL');
  await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  await site?.close();
});

describe('arachne serve (command line)', () => {
  it.each([
    [['serve'], /--project/],
    [['serve', '--project', '/no/such/dir'], /no such directory/],
    [['serve', '--project', '.', '--max-jobs', '0'], /--max-jobs/],
    [['serve', '--project', '.', '--port', 'http'], /--port/],
    [['serve', '--project', '.', '--smtp-host', 'localhost'], /--mail-from/],
    [
      [
        'serve',
        '--project',
        '.',
        '--smtp-host',
        'h',
        '--mail-from',
        'a@b',
        '--mail-to',
        'c@d',
        '--smtp-user',
        'u',
      ],
      /--smtp-pass-env/,
    ],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const result = await runCli(args as string[]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('refuses an ARACHNE_TOKEN with whitespace at start: one config error line, exit 2', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'arachne-serve-token-'));
    const child = spawnServe(project, dataDir, { token: 'a-token-for-this test-only' });
    server = child; // killed by afterAll if it wrongly starts
    const stderr = collectOutput(child.stderr);
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(2);
    expect(stderr.text().trim().split('\n')).toEqual([
      expect.stringMatching(/^arachne serve: ARACHNE_TOKEN .*whitespace/),
    ]);
  });

  it.each(['0.0.0.0', '::'])(
    '--host %s warns once about plain HTTP on all interfaces',
    async (host) => {
      const dataDir = await mkdtemp(join(tmpdir(), 'arachne-serve-host-'));
      const child = spawnServe(project, dataDir, {
        args: ['--host', host],
        token: 'a-token-for-this-test-only',
      });
      server = child;
      const stderr = collectOutput(child.stderr);
      await stderr.match(/listening on/);
      const warnings = stderr
        .text()
        .split('\n')
        .filter((line) => /warning/i.test(line));
      expect(warnings).toEqual([expect.stringMatching(/plain HTTP.*all interfaces/)]);
      child.kill('SIGTERM');
      expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
    },
  );

  it('--host 127.0.0.1 prints no warning', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'arachne-serve-host-'));
    const child = spawnServe(project, dataDir, { token: 'a-token-for-this-test-only' });
    server = child;
    const stderr = collectOutput(child.stderr);
    await stderr.match(/listening on/);
    expect(stderr.text()).not.toMatch(/warning/i);
    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
  });

  it('--help describes the command', async () => {
    const result = await runCli(['serve', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--allow-private');
  });

  it('mails a report when a job finishes, with the SMTP flags', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'arachne-serve-mail-'));
    const child = spawnServe(project, dataDir, {
      args: [
        '--smtp-host',
        '127.0.0.1',
        '--smtp-port',
        String(smtpPort),
        '--mail-from',
        'arachne@example.test',
        '--mail-to',
        'ops@example.test, dev@example.test',
      ],
      token: 'a-token-for-this-test-only',
    });
    server = child;
    const stderr = collectOutput(child.stderr);
    const [, url] = await stderr.match(/listening on (http:\/\/\S+)/);
    expect(stderr.text()).toContain('ARACHNE_TOKEN');
    await expect(readFile(join(dataDir, 'token'))).rejects.toThrow();
    const response = await fetch(`${url}/api/jobs`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer a-token-for-this-test-only',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ url: `${site.origin}/` }),
    });
    expect(response.status).toBe(201);
    const { job } = (await response.json()) as { job: { id: string } };
    const ours = (m: Mail) => m.raw.includes(job.id.slice(0, 8));
    const mail = await whenEvent(mailbox, 'mail', (m: Mail) => (ours(m) ? m : undefined), {
      timeoutMs: 30_000,
      what: 'the mail',
      now: () => mails.find(ours),
    });
    expect(mail.to.sort()).toEqual(['dev@example.test', 'ops@example.test']);
    expect(mail.raw).toMatch(/Subject: .*finished/);
    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
  });
});
