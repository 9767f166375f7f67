import { readFile } from 'node:fs/promises';
// pop3: and pop3s: URLs against a real dovecot: the maildrop is a listing of its messages (by UIDL), a message a
// page with its headers and attachment links, links onto the web followed only when in scope, and nothing deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CrawlOptions,
  crawl,
  createCrawler,
  defineSpider,
  type Item,
} from '../../src/index.js';
import { Pop3Client } from '../../src/mail/pop3-client.js';
import { type Dovecot, dovecotUp, sampleMessages, startDovecot } from '../helpers/dovecot.js';
import {
  closedPortOrigin,
  type LocalServer,
  startLocalServer,
  startRawServer,
} from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';

const up = await dovecotUp();

const mailSpider = (start: string) =>
  defineSpider({
    name: 'pop3',
    start: [start],
    *parse(page) {
      const html = (page.headers['content-type'] ?? '').startsWith('text/html');
      yield {
        url: page.url,
        contentType: page.headers['content-type'] ?? '',
        subject: page.headers.subject ?? null,
        date: page.headers.date ?? null,
        uidl: page.headers['x-mail-uidl'] ?? null,
        title: html ? page.text('title') : null,
        body: html ? page.text('body') : page.body.toString('utf8'),
      };
      if (html) for (const link of page.links()) yield page.follow(link);
    },
  });

describe.skipIf(!up)('POP3 maildrops as sources', () => {
  let dovecot: Dovecot;
  let web: LocalServer;
  let options: CrawlOptions;

  async function run(start: string, extra: CrawlOptions = {}): Promise<Item[]> {
    const sink = memorySink();
    const stats = await crawl(mailSpider(start), {
      output: sink,
      logLevel: 'silent',
      retries: 0,
      ...options,
      ...extra,
    });
    expect(stats.closeReason).toBe('finished');
    expect(stats.failed).toBe(0);
    return sink.items;
  }

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

  it('lists the maildrop by UIDL, makes each message a page and each attachment a link', async () => {
    const items = await run(dovecot.url('pop3s'));
    const pages = items.filter((item) => String(item.url).startsWith('pop3s:'));
    const messages = pages.filter((item) => item.subject !== null);
    expect(messages.map((item) => item.subject).sort()).toEqual([
      'Disk almost full',
      'Newsletter 42',
      'The report',
    ]);
    for (const message of messages) {
      expect(String(message.url)).toBe(
        `pop3s://127.0.0.1:${dovecot.ports.pop3s}/;UIDL=${String(message.uidl)}`,
      );
    }
    expect(messages.find((item) => item.subject === 'Newsletter 42')).toMatchObject({
      date: '2026-11-02T10:00:00.000Z',
      title: 'Newsletter 42',
    });
    // A line starting with a dot travels dot-stuffed in POP3: the page has it once.
    expect(String(messages.find((item) => item.subject === 'Disk almost full')?.body)).toContain(
      '.profile and .cache are the largest',
    );
    const attachment = pages.find((item) => String(item.url).endsWith('/;PART=1'));
    expect(attachment).toMatchObject({ contentType: 'text/csv', body: 'day,visits\n1,10\n2,12\n' });
    expect(pages).toHaveLength(5); // the listing, three messages, one attachment
    expect(web.paths).toHaveLength(0); // another origin: not followed
  });

  it('follows web links of the mails with an allowed domain, over plain pop3 upgraded by STLS', async () => {
    const items = await run(dovecot.url('pop3'), { allowedDomains: ['127.0.0.1'] });
    expect(
      items
        .filter((item) => String(item.url).startsWith('http'))
        .map((item) => item.title)
        .sort(),
    ).toEqual(['Alert 7', 'Story']);
  });

  it('leaves the maildrop as it was: every message still there and unseen', async () => {
    await run(dovecot.url('pop3s'));
    const client = await Pop3Client.connect({
      host: '127.0.0.1',
      port: dovecot.ports.pop3,
      secure: false,
      servername: '127.0.0.1',
      tls: { ca: await readFile(dovecot.caPath, 'utf8') },
      timeoutMs: 5000,
    });
    await client.login(dovecot.user, dovecot.password);
    expect((await client.uidl()).size).toBe(3);
    await client.quit();
    expect(await dovecot.messageFiles()).toHaveLength(3);
    expect((await dovecot.messageFiles()).filter((name) => /:2,.*S/.test(name))).toEqual([]);
  });

  it('fails a wrong password with AR_MAIL_AUTH, without the password', async () => {
    const errors: string[] = [];
    const crawler = createCrawler(mailSpider(dovecot.url('pop3s')), {
      output: memorySink(),
      logLevel: 'silent',
      ca: [dovecot.caPath],
      retries: 0,
    });
    crawler.on('request:failed', (event) => errors.push(`${event.code}: ${event.error.message}`));
    process.env.ARACHNE_MAIL_PASSWORD = 'wrong-hunter2';
    try {
      const stats = await crawler.run();
      expect(stats.errorsByCode).toEqual({ AR_MAIL_AUTH: 1 });
    } finally {
      delete process.env.ARACHNE_MAIL_PASSWORD;
    }
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^AR_MAIL_AUTH: Mail login refused for pop3s:\/\/127\.0\.0\.1:\d+ as alice/,
    );
    expect(errors[0]).not.toContain('hunter2');
  });

  it('answers 404 for a UIDL the maildrop does not have', async () => {
    const errors: string[] = [];
    const crawler = createCrawler(mailSpider(dovecot.url('pop3s', '/;UIDL=nope')), {
      output: memorySink(),
      logLevel: 'silent',
      ...options,
    });
    crawler.on('request:failed', (event) => errors.push(event.code));
    const stats = await crawler.run();
    expect(stats.errorsByCode).toEqual({ AR_HTTP_STATUS: 1 });
  });

  it('fails a server that never greets with AR_TIMEOUT and a refused connection with AR_NETWORK (both retried)', async () => {
    const silent = await startRawServer(() => {});
    const refused = new URL(await closedPortOrigin());
    try {
      const stats = await crawl(
        defineSpider({
          name: 'dead',
          start: [
            `pop3://alice@127.0.0.1:${silent.port}/`,
            `pop3s://alice@127.0.0.1:${refused.port}/`,
          ],
          *parse() {},
        }),
        { output: memorySink(), logLevel: 'silent', ...options, timeoutMs: 1000, retries: 1 },
      );
      expect(stats.errorsByCode).toEqual({ AR_TIMEOUT: 1, AR_NETWORK: 1 });
      expect(stats.retries).toBe(2);
    } finally {
      await silent.close();
    }
  });
});
