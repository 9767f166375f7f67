// `arachne serve --mail-test`: one message through the configured SMTP server (a real smtp-server on 127.0.0.1), the
// outcome on one line, a non-zero exit naming the cause when it fails, and never the SMTP password.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPortOrigin } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';

interface Received {
  to: string[];
  user: string | undefined;
  raw: string;
}

const received: Received[] = [];
let smtp: SMTPServer;
let port: number;

beforeAll(async () => {
  smtp = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onAuth(auth, _session, callback) {
      if (auth.username === 'arachne' && auth.password === 'right-pass') {
        callback(null, { user: auth.username });
      } else {
        callback(new Error('Authentication failed'));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  port = (smtp.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => smtp?.close(() => resolve()));
});

const common = [
  'serve',
  '--mail-test',
  '--mail-from',
  'arachne@example.com',
  '--mail-to',
  'ops@example.com',
];

describe('arachne serve --mail-test', () => {
  it('sends one message with the configured settings, says so and exits 0 (no --project needed)', async () => {
    const result = await runCli(
      [
        ...common,
        '--smtp-host',
        '127.0.0.1',
        '--smtp-port',
        String(port),
        '--smtp-user',
        'arachne',
        '--smtp-pass-env',
        'SMTP_PASS',
      ],
      { env: { SMTP_PASS: 'right-pass' } },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `^arachne serve: test mail sent through 127\\.0\\.0\\.1:${port} to ops@example\\.com \\(<.+>\\)\\n$`,
      ),
    );
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ to: ['ops@example.com'], user: 'arachne' });
    expect(received[0]?.raw).toMatch(/^Subject: \[arachne\] test message from /m);
  });

  it('exits 1 with one line naming a refused login, without the password', async () => {
    const result = await runCli(
      [
        ...common,
        '--smtp-host',
        '127.0.0.1',
        '--smtp-port',
        String(port),
        '--smtp-user',
        'arachne',
        '--smtp-pass-env',
        'SMTP_PASS',
      ],
      { env: { SMTP_PASS: 'wrong-hunter2' } },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^arachne serve: test mail through 127\.0\.0\.1:\d+ failed: EAUTH: .*535/,
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toContain('hunter2');
  });

  it('exits 1 naming a server that does not answer', async () => {
    const closed = new URL(await closedPortOrigin());
    const result = await runCli([
      ...common,
      '--smtp-host',
      '127.0.0.1',
      '--smtp-port',
      closed.port,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/failed: ESOCKET: .*ECONNREFUSED/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('asks for the SMTP settings when they are missing', async () => {
    const result = await runCli(['serve', '--mail-test']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--mail-test needs --smtp-host, --mail-from and --mail-to/);
  });
});
