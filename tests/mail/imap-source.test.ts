// imap: and imaps: URLs against a real dovecot: a mailbox is a listing of its messages, a message a page (headers,
// HTML or wrapped text, attachments as links), links onto the web followed only when in scope, and nothing marked.
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CrawlOptions, crawl, defineSpider, type Item } from '../../src/index.js';
import { type Dovecot, dovecotUp, sampleMessages, startDovecot } from '../helpers/dovecot.js';
import {
  closedPortOrigin,
  type LocalServer,
  startLocalServer,
  startRawServer,
} from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';
import { waitFor } from '../helpers/wait.js';

const up = await dovecotUp();

/** Records every page (its URL, status, mail headers, title, body text) and follows all its links. */
const mailSpider = (start: string) =>
  defineSpider({
    name: 'mail',
    start: [start],
    *parse(page) {
      const html = (page.headers['content-type'] ?? '').startsWith('text/html');
      yield {
        url: page.url,
        status: page.status,
        contentType: page.headers['content-type'] ?? '',
        subject: page.headers.subject ?? null,
        from: page.headers.from ?? null,
        messageId: page.headers['message-id'] ?? null,
        title: html ? page.text('title') : null,
        body: html ? page.text('body') : page.body.toString('utf8'),
      };
      if (html) for (const link of page.links()) yield page.follow(link);
    },
  });

async function run(start: string, options: CrawlOptions = {}): Promise<Item[]> {
  const sink = memorySink();
  const stats = await crawl(mailSpider(start), {
    output: sink,
    logLevel: 'silent',
    retries: 0,
    ...options,
  });
  expect(stats.closeReason).toBe('finished');
  return sink.items;
}

describe.skipIf(!up)('IMAP mailboxes as sources', () => {
  let dovecot: Dovecot;
  let web: LocalServer;
  let options: CrawlOptions;

  beforeAll(async () => {
    web = await startLocalServer({
      '/story': '<html><title>Story</title><h1>The story</h1></html>',
      '/alerts/7': '<html><title>Alert 7</title><h1>Disk</h1></html>',
    });
    dovecot = await startDovecot(sampleMessages(`${web.origin}/`));
    options = { ca: [dovecot.caPath], mailPasswordFile: dovecot.passwordFile };
  });
  afterAll(async () => {
    await dovecot?.close();
    await web?.close();
  });

  it('lists a mailbox, turns each message into a page and each attachment into a link, and stays off the web', async () => {
    const items = await run(dovecot.url('imaps', '/INBOX'), options);
    // Outputs show URLs without their user name (redacted like any userinfo).
    const base = `imaps://127.0.0.1:${dovecot.ports.imaps}/INBOX`;
    const byUrl = new Map(items.map((item) => [item.url, item]));
    expect([...byUrl.keys()].sort()).toEqual(
      [base, `${base}/;UID=1`, `${base}/;UID=2`, `${base}/;UID=3`, `${base}/;UID=3/;PART=1`].sort(),
    );
    expect(byUrl.get(base)).toMatchObject({ title: 'INBOX', status: 200 });
    expect(byUrl.get(`${base}/;UID=1`)).toMatchObject({
      subject: 'Newsletter 42',
      from: '"Weekly News" <news@example.com>',
      messageId: '<newsletter-42@example.com>',
      title: 'Newsletter 42',
      contentType: 'text/html; charset=utf-8',
    });
    // A text-only mail is wrapped in HTML, its URLs made links.
    expect(byUrl.get(`${base}/;UID=2`)).toMatchObject({ title: 'Disk almost full' });
    expect(String(byUrl.get(`${base}/;UID=2`)?.body)).toContain('Disk /var is 91% full.');
    expect(byUrl.get(`${base}/;UID=3/;PART=1`)).toMatchObject({
      contentType: 'text/csv',
      body: 'day,visits\n1,10\n2,12\n',
    });
    // The web links are another origin: not followed without an allowed domain.
    expect(web.paths).toHaveLength(0);
  });

  it('follows the links of mails onto the web when the crawl allows their domain', async () => {
    const items = await run(dovecot.url('imap', '/INBOX'), {
      ...options,
      allowedDomains: ['127.0.0.1'],
    });
    expect(
      items
        .filter((item) => String(item.url).startsWith('http'))
        .map((item) => item.title)
        .sort(),
    ).toEqual(['Alert 7', 'Story']);
    expect([...web.paths].filter((path) => path !== '/robots.txt').sort()).toEqual([
      '/alerts/7',
      '/story',
    ]);
  });

  it('lists the mailboxes of the account at its root URL', async () => {
    const items = await run(dovecot.url('imaps', '/'), options);
    const root = items.find((item) => String(item.url).endsWith('/'));
    expect(root?.body).toContain('INBOX');
    expect(items.some((item) => String(item.url).endsWith('/INBOX/;UID=3'))).toBe(true);
  });

  it('leaves every message unseen and in place', async () => {
    await run(dovecot.url('imaps', '/INBOX'), options);
    const { ImapFlow } = await import('imapflow');
    const client: ImapFlow = new ImapFlow({
      host: '127.0.0.1',
      port: dovecot.ports.imap,
      secure: false,
      doSTARTTLS: false,
      auth: { user: dovecot.user, pass: dovecot.password },
      logger: false,
    });
    await client.connect();
    try {
      const lock = await client.getMailboxLock('INBOX', { readOnly: true });
      try {
        const messages = await client.fetchAll('1:*', { uid: true, flags: true });
        // \Recent is the server's own (RFC 3501: only this session sees it); \Seen is what a reader sets.
        const flags = (message: (typeof messages)[number]) =>
          [...(message.flags ?? [])].filter((flag) => flag !== '\\Recent');
        expect(messages.map((message) => [message.uid, flags(message)])).toEqual([
          [1, []],
          [2, []],
          [3, []],
        ]);
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }
    expect((await dovecot.messageFiles()).filter((name) => /:2,.*S/.test(name))).toEqual([]);
  });

  it('fails a wrong password with AR_MAIL_AUTH, naming the account but never the password, and logs in once', async () => {
    const sink = memorySink();
    const errors: string[] = [];
    const { createCrawler } = await import('../../src/index.js');
    const failedLogins = () => dovecot.log().split('auth failed').length - 1;
    const before = failedLogins();
    const spider = defineSpider({
      name: 'refused',
      start: [dovecot.url('imaps', '/INBOX'), dovecot.url('imaps', '/INBOX/;UID=1')],
      *parse() {},
    });
    const crawler = createCrawler(spider, {
      output: sink,
      logLevel: 'silent',
      ca: [dovecot.caPath],
      retries: 0,
    });
    crawler.on('request:failed', (event) => errors.push(`${event.code}: ${event.error.message}`));
    process.env.ARACHNE_MAIL_PASSWORD = 'wrong-hunter2';
    try {
      const stats = await crawler.run();
      expect(stats.errorsByCode).toEqual({ AR_MAIL_AUTH: 2 });
    } finally {
      delete process.env.ARACHNE_MAIL_PASSWORD;
    }
    // The second request meets the first refusal: repeated bad logins can lock an account.
    await waitFor('dovecot to log the failed login', () => failedLogins() > before || undefined);
    expect(failedLogins() - before).toBe(1);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(
      /^AR_MAIL_AUTH: Mail login refused for imaps:\/\/127\.0\.0\.1:\d+ as alice/,
    );
    expect(errors[0]).not.toContain('hunter2');
  });

  it('refuses a password written in the URL without echoing it', async () => {
    const sink = memorySink();
    const stats = await crawl(
      mailSpider(`imaps://alice:hunter2@127.0.0.1:${dovecot.ports.imaps}/INBOX`),
      {
        output: sink,
        logLevel: 'silent',
        ...options,
      },
    );
    expect(stats.errorsByCode).toEqual({ AR_BAD_URL: 1 });
    expect(sink.items).toEqual([]);
  });

  it('refuses a private server when allowPrivate is false (API jobs)', async () => {
    const sink = memorySink();
    const stats = await crawl(mailSpider(dovecot.url('imaps', '/INBOX')), {
      output: sink,
      logLevel: 'silent',
      ...options,
      allowPrivate: false,
    });
    expect(stats.errorsByCode).toEqual({ AR_EGRESS_DENIED: 1 });
  });

  it('fails a server that never greets with AR_TIMEOUT and a refused connection with AR_NETWORK', async () => {
    const silent = await startRawServer(() => {});
    const refused = new URL(await closedPortOrigin());
    try {
      const stats = await crawl(
        defineSpider({
          name: 'dead',
          start: [
            `imap://alice@127.0.0.1:${silent.port}/INBOX`,
            `imaps://alice@127.0.0.1:${refused.port}/INBOX`,
          ],
          *parse() {},
        }),
        { output: memorySink(), logLevel: 'silent', ...options, timeoutMs: 1000, retries: 0 },
      );
      expect(stats.errorsByCode).toEqual({ AR_TIMEOUT: 1, AR_NETWORK: 1 });
    } finally {
      await silent.close();
    }
  });
});
