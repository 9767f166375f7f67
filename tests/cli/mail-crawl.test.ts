// `arachne crawl imaps://…` through the real binary: --mail-password-file, --ca, ARACHNE_MAIL_PASSWORD.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dovecot, dovecotUp, sampleMessages, startDovecot } from '../helpers/dovecot.js';
import { runCli } from '../helpers/run-cli.js';

const up = await dovecotUp();

describe.skipIf(!up)('arachne crawl of a mailbox', () => {
  let dovecot: Dovecot;
  let dir: string;

  beforeAll(async () => {
    dovecot = await startDovecot(sampleMessages('http://127.0.0.1:9/'));
    dir = await mkdtemp(join(tmpdir(), 'arachne-mail-cli-'));
  });
  afterAll(async () => {
    await dovecot?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes one line per mailbox, message and attachment, with --mail-password-file and --ca', async () => {
    const out = join(dir, 'mail.jsonl');
    const result = await runCli([
      'crawl',
      dovecot.url('imaps', '/INBOX'),
      '-o',
      out,
      '--mail-password-file',
      dovecot.passwordFile,
      '--ca',
      dovecot.caPath,
    ]);
    expect(result.stderr).not.toContain(dovecot.password);
    expect(result.code).toBe(0);
    const lines = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { url: string; title: string | null; contentType: string },
      );
    const base = `imaps://127.0.0.1:${dovecot.ports.imaps}/INBOX`;
    expect(lines.map((line) => [line.url, line.title]).sort()).toEqual(
      [
        [base, 'INBOX'],
        [`${base}/;UID=1`, 'Newsletter 42'],
        [`${base}/;UID=2`, 'Disk almost full'],
        [`${base}/;UID=3`, 'The report'],
        [`${base}/;UID=3/;PART=1`, null],
      ].sort(),
    );
  });

  it('names a refused login on stderr without the password (ARACHNE_MAIL_PASSWORD)', async () => {
    const result = await runCli(
      ['crawl', dovecot.url('pop3s'), '-o', join(dir, 'refused.jsonl'), '--ca', dovecot.caPath],
      { env: { ARACHNE_MAIL_PASSWORD: 'hunter2-wrong' } },
    );
    expect(result.stderr).toMatch(/AR_MAIL_AUTH/);
    expect(result.stderr).toMatch(/Mail login refused for pop3s:\/\/127\.0\.0\.1:\d+ as alice/);
    expect(result.stderr + result.stdout).not.toContain('hunter2');
  });
});
