import { afterEach, describe, expect, it } from 'vitest';
import { type Stats, StatsCollector } from '../../src/crawler/stats.js';
import { createMailer, type FinishedJob, type MailerConfig } from '../../src/server/notify.js';
import { startMailServer } from '../helpers/smtp-server.js';
import { testCert, testKey } from '../http/fixtures/tls.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A real snapshot (so counters added later are present) with the numbers the assertions check. */
function stats(overrides: Partial<Stats> = {}): Stats {
  return {
    ...new StatsCollector().snapshot(),
    startedAt: '2025-01-01T10:00:00.000Z',
    finishedAt: '2025-01-01T10:01:46.000Z',
    elapsedMs: 106_000,
    requests: 2_130,
    responses: 2_118,
    responsesByStatus: { '200': 2_100, '404': 18 },
    items: 2_000,
    itemsDropped: 0,
    bytes: 52_000_000,
    retries: 4,
    failed: 12,
    errorsByCode: { AR_HTTP_STATUS: 18, AR_TIMEOUT: 2 },
    robotsDenied: 0,
    offsite: 3,
    duplicatesFiltered: 40,
    depthFiltered: 0,
    queued: 0,
    inFlight: 0,
    pagesPerSecond: 19.98,
    closeReason: 'finished',
    ...overrides,
  };
}

function mailerFor(port: number, extra: Partial<MailerConfig> = {}) {
  const errors: Error[] = [];
  const mailer = createMailer({
    host: '127.0.0.1',
    port,
    from: 'arachne@example.test',
    to: ['ops@example.test', 'me@example.test'],
    onError: (error) => errors.push(error),
    ...extra,
  });
  closers.push(async () => mailer.close());
  return { mailer, errors };
}

const finished: FinishedJob = { id: '3f2a', spider: 'books', status: 'finished', stats: stats() };

describe('createMailer', () => {
  it('mails a finished job with the counts in the subject and the crawl summary in the body', async () => {
    const smtp = await startMailServer();
    const { mailer, errors } = mailerFor(smtp.port);
    const result = await mailer.sendJobFinished(finished);
    expect(result.ok).toBe(true);
    expect(errors).toEqual([]);
    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail?.from).toBe('arachne@example.test');
    expect(mail?.to).toEqual(['ops@example.test', 'me@example.test']);
    expect(mail?.raw).toContain(
      'Subject: [arachne] job 3f2a (books) finished: 2,118 pages, 2,000 items',
    );
    expect(mail?.raw).toContain('pages fetched   2118 (200: 2100, 404: 18)');
    expect(mail?.raw).toContain('items scraped   2000');
    expect(mail?.raw).toContain('failed          12 (AR_HTTP_STATUS: 18, AR_TIMEOUT: 2)');
    expect(mail?.raw).toContain('elapsed         106.00 s (19.98 pages/s)');
  });

  it('mails a failed job with its error, and shortens a long id in the subject', async () => {
    const smtp = await startMailServer();
    const { mailer } = mailerFor(smtp.port, { to: 'ops@example.test' });
    const result = await mailer.sendJobFinished({
      id: '9c1e7b20-5d1a-4c3e-9f00-123456789abc',
      spider: 'shop',
      status: 'failed',
      stats: stats({ responses: 1, items: 0, failed: 3, errorsByCode: { AR_NETWORK: 3 } }),
      error: 'StorageError: disk full',
    });
    expect(result.ok).toBe(true);
    const raw = smtp.received[0]?.raw ?? '';
    expect(raw).toContain('Subject: [arachne] job 9c1e7b20 (shop) failed: 1 page, 0 items');
    expect(raw).toContain('Job 9c1e7b20-5d1a-4c3e-9f00-123456789abc of spider "shop" failed.');
    expect(raw).toContain('Error: StorageError: disk full');
    expect(raw).toContain('failed          3 (AR_NETWORK: 3)');
  });

  it('logs in over STARTTLS with the configured user and password', async () => {
    const smtp = await startMailServer({
      disabledCommands: [],
      authOptional: false,
      key: testKey,
      cert: testCert,
      onAuth(auth, _session, callback) {
        if (auth.username === 'arachne' && auth.password === 's3cret') {
          callback(null, { user: auth.username });
        } else callback(new Error('Invalid username or password'));
      },
    });
    const good = mailerFor(smtp.port, {
      auth: { user: 'arachne', pass: 's3cret' },
      tls: { rejectUnauthorized: false },
    });
    expect((await good.mailer.sendJobFinished(finished)).ok).toBe(true);
    expect(smtp.received.map((mail) => mail.user)).toEqual(['arachne']);

    const bad = mailerFor(smtp.port, {
      auth: { user: 'arachne', pass: 'wrong' },
      tls: { rejectUnauthorized: false },
    });
    const refused = await bad.mailer.sendJobFinished(finished);
    expect(refused.ok).toBe(false);
    expect(bad.errors).toHaveLength(1);
    expect(smtp.received).toHaveLength(1);
  });

  it('resolves with the error and reports it, without throwing, when the SMTP server is down', async () => {
    const smtp = await startMailServer();
    await smtp.close();
    const { mailer, errors } = mailerFor(smtp.port);
    const result = await mailer.sendJobFinished({ ...finished, status: 'cancelled' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/ECONNREFUSED|connect/i);
    expect(errors).toHaveLength(1);
  });

  it('keeps control characters from a spider name out of the headers', async () => {
    const smtp = await startMailServer();
    const { mailer } = mailerFor(smtp.port);
    await mailer.sendJobFinished({ ...finished, spider: 'books\r\nBcc: victim@example.test' });
    const raw = smtp.received[0]?.raw ?? '';
    expect(raw).toContain('(books Bcc: victim@example.test)');
    expect(raw).not.toMatch(/^Bcc:/im);
    expect(raw).toContain('spider "books Bcc: victim@example.test" finished.');
    expect(smtp.received[0]?.to).not.toContain('victim@example.test');
  });
});
