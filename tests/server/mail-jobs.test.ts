// API jobs and mailbox URLs: refused unless the server runs with --allow-mail (allowMail), and then still under the
// private-address guard; allowed, a job crawls the mailbox with the server's ARACHNE_MAIL_PASSWORD.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dovecot, dovecotUp, sampleMessages, startDovecot } from '../helpers/dovecot.js';
import { lines, makeProject, startTestServer, type TestServer } from './server-helpers.js';

const up = await dovecotUp();

describe.skipIf(!up)('API jobs on mailbox URLs', () => {
  let dovecot: Dovecot;
  const servers: TestServer[] = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    dovecot = await startDovecot(sampleMessages('http://127.0.0.1:9/'));
    // Job processes inherit the server's environment: the password, and the test server's CA.
    process.env.ARACHNE_MAIL_PASSWORD = dovecot.password;
    process.env.NODE_EXTRA_CA_CERTS = dovecot.caPath;
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await dovecot?.close();
    process.env.ARACHNE_MAIL_PASSWORD = saved.ARACHNE_MAIL_PASSWORD;
    process.env.NODE_EXTRA_CA_CERTS = saved.NODE_EXTRA_CA_CERTS;
    if (saved.ARACHNE_MAIL_PASSWORD === undefined) delete process.env.ARACHNE_MAIL_PASSWORD;
    if (saved.NODE_EXTRA_CA_CERTS === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
  });

  async function server(config: { allowMail?: boolean; allowPrivate?: boolean }) {
    const started = await startTestServer({ project: await makeProject(), ...config });
    servers.push(started);
    return started;
  }

  it('are refused at submission without --allow-mail: 400 naming the field', async () => {
    const t = await server({ allowPrivate: true });
    const response = await t.api('POST', '/api/jobs', { url: dovecot.url('imaps', '/INBOX') });
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code: 'AR_BAD_REQUEST', field: 'url' });
    expect(response.json.error.message).toMatch(/need a server run with --allow-mail/);
    const scheduled = await t.api('POST', '/api/schedules', {
      cron: '* * * * *',
      url: dovecot.url('pop3s'),
    });
    expect(scheduled.status).toBe(400);
  });

  it('with --allow-mail but not --allow-private, a mail server on a private address is refused', async () => {
    const t = await server({ allowMail: true });
    const response = await t.api('POST', '/api/jobs', { url: dovecot.url('imaps', '/INBOX') });
    expect(response.status).toBe(400);
    expect(response.json.error.message).toMatch(/private, loopback or link-local/);
  });

  it('with --allow-mail, a job crawls the mailbox: one item per listing, message and attachment', async () => {
    const t = await server({ allowMail: true, allowPrivate: true });
    expect((await t.api('GET', '/api/server')).json).toMatchObject({ allowMail: true });
    const created = await t.api('POST', '/api/jobs', {
      url: dovecot.url('imaps', '/INBOX'),
      options: { retries: 0 },
    });
    expect(created.status).toBe(201);
    const id = created.json.job.id as string;
    const job = await t.waitForStatus(id, ['finished', 'failed']);
    expect(job.status).toBe('finished');
    const items = await t.api('GET', `/api/jobs/${id}/items`);
    const titles = lines(items.text).map(
      (line) => (JSON.parse(line) as { title: string | null }).title,
    );
    expect(titles.sort()).toEqual(
      ['Disk almost full', 'INBOX', 'Newsletter 42', 'The report', null].sort(),
    );
  });
});
