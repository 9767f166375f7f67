// Mail URLs: account and target parsed from imap:, imaps:, pop3:, pop3s: URLs, and built back.
import { describe, expect, it } from 'vitest';
import { mailUrl, parseMailUrl } from '../../src/mail/mail-url.js';

describe('parseMailUrl', () => {
  it('reads the account: scheme, TLS, host, default or given port, decoded user', () => {
    const { account, target } = parseMailUrl('imaps://alice%40example.com@mail.example/INBOX');
    expect(account).toEqual({
      scheme: 'imaps:',
      protocol: 'imap',
      secure: true,
      host: 'mail.example',
      port: 993,
      user: 'alice@example.com',
      base: 'imaps://alice%40example.com@mail.example',
      label: 'imaps://mail.example as alice@example.com',
    });
    expect(target).toEqual({ kind: 'mailbox', mailbox: 'INBOX' });
    expect(parseMailUrl('pop3://bob@[::1]:1110/').account).toMatchObject({
      protocol: 'pop3',
      secure: false,
      host: '::1',
      port: 1110,
    });
  });

  it.each([
    ['imap://a@h/', { kind: 'mailboxes' }],
    ['imap://a@h/Archive/2024', { kind: 'mailbox', mailbox: 'Archive/2024' }],
    ['imap://a@h/My%20Box/;UID=42', { kind: 'message', mailbox: 'My Box', id: '42' }],
    ['imap://a@h/INBOX/;uid=42/;part=2', { kind: 'part', mailbox: 'INBOX', id: '42', part: 2 }],
    ['pop3s://a@h/', { kind: 'mailbox', mailbox: '' }],
    ['pop3s://a@h/;UIDL=00000001abc', { kind: 'message', mailbox: '', id: '00000001abc' }],
    ['pop3s://a@h/;UIDL=x/;PART=1', { kind: 'part', mailbox: '', id: 'x', part: 1 }],
  ])('%s names %o', (url, target) => {
    expect(parseMailUrl(url).target).toEqual(target);
  });

  it.each([
    ['imaps://alice:hunter2@h/INBOX', /a password in the URL/],
    ['imaps://h/INBOX', /no user name/],
    ['imap://a@h/INBOX/;UID=abc', /UID must be a number/],
    ['imap://a@h/INBOX/;UID=1/;PART=0', /PART=n with n from 1/],
    ['pop3://a@h/INBOX', /POP3 has one mailbox/],
    ['pop3://a@h/;UID=3', /expected \/;UIDL=id/],
    ['https://a@h/', /not a mail URL/],
  ])('refuses %s with AR_BAD_URL', (url, message) => {
    expect(() => parseMailUrl(url)).toThrow(message);
    try {
      parseMailUrl(url);
    } catch (error) {
      expect((error as { code: string }).code).toBe('AR_BAD_URL');
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});

describe('mailUrl', () => {
  it('builds the URLs that parse back to the same target', () => {
    const { account } = parseMailUrl('imaps://alice@mail.example:1993/');
    const url = mailUrl(account, { mailbox: 'Archive/My Box', id: '7', part: 2 });
    expect(url).toBe('imaps://alice@mail.example:1993/Archive/My%20Box/;UID=7/;PART=2');
    expect(parseMailUrl(url).target).toEqual({
      kind: 'part',
      mailbox: 'Archive/My Box',
      id: '7',
      part: 2,
    });
    const pop = parseMailUrl('pop3s://bob@mail.example/').account;
    expect(mailUrl(pop, { mailbox: '', id: 'a b' })).toBe('pop3s://bob@mail.example/;UIDL=a%20b');
  });
});
