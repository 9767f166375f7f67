// A real SMTP server for the mail tests (the smtp-server package) on 127.0.0.1, port 0, keeping every message it
// accepts and announcing each one, so a test waits on the mail rather than sleeping. Started inside a test it is
// closed when the test finishes; started in a beforeAll hook it is the caller's to close.
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { onTestFinished } from 'vitest';
import { whenEvent } from './wait.js';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The login, when the client authenticated. */
  user: string | undefined;
  /** The message as sent: headers and body. */
  raw: string;
}

export interface MailServer {
  port: number;
  received: ReceivedMail[];
  /** The first mail, received or coming, that `accept` takes. */
  next(
    accept: (mail: ReceivedMail) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** No TLS and optional authentication unless `options` say otherwise. */
export async function startMailServer(options: SMTPServerOptions = {}): Promise<MailServer> {
  const received: ReceivedMail[] = [];
  const arrivals = new EventEmitter();
  const server = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    ...options,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const mailFrom = session.envelope.mailFrom;
        const mail: ReceivedMail = {
          from: mailFrom === false ? '' : mailFrom.address,
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        };
        received.push(mail);
        arrivals.emit('mail', mail);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const mailServer: MailServer = {
    port,
    received,
    next: (accept, what, timeoutMs = 30_000) =>
      whenEvent(arrivals, 'mail', (mail: ReceivedMail) => (accept(mail) ? mail : undefined), {
        timeoutMs,
        what,
        now: () => received.find(accept),
      }),
    close: () => (closed ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
  try {
    onTestFinished(() => mailServer.close());
  } catch {
    // Started outside a test (a beforeAll hook): the caller closes it.
  }
  return mailServer;
}
