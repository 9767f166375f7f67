/**
 * POP3 through the small client in pop3-client.ts: messages are named by UIDL (message numbers change between
 * sessions), read with TOP (RETR where TOP is missing) and never deleted (the client has no DELE), so the maildrop
 * is left as it was, unread flags included.
 */
import { BodyTooLargeError, MailAuthError } from '../errors.js';
import { mailUrl } from './mail-url.js';
import { addressText, attachmentPage, listingPage, messagePage } from './message-page.js';
import { Pop3Client, Pop3ReplyError } from './pop3-client.js';
import type { MailSession, OpenSession } from './session.js';

/** TOP's line count meaning "the whole body" (RFC 1939 puts no bound on it; servers accept 32-bit counts). */
const WHOLE_MESSAGE = 2_147_483_647;

export const openPop3Session: OpenSession = async (account, password, settings) => {
  const client = await Pop3Client.connect({
    host: settings.address,
    port: account.port,
    secure: account.secure,
    servername: account.host,
    ...(settings.tls && { tls: settings.tls }),
    timeoutMs: settings.timeoutMs,
  });
  try {
    await client.login(account.user, password);
  } catch (error) {
    client.close();
    if (error instanceof Pop3ReplyError) {
      throw new MailAuthError(account.label, `the server answered: ${error.message}`);
    }
    throw error;
  }
  // A session sees the maildrop as it was at login: its UIDL list holds for the whole session.
  let ids: Map<string, number> | undefined;
  const numberOf = async (id: string) => {
    ids ??= await client.uidl();
    return ids.get(id);
  };
  return {
    get usable() {
      return client.usable;
    },
    async fetch(target, url) {
      if (target.kind === 'mailbox' || target.kind === 'mailboxes') {
        ids ??= await client.uidl();
        const { simpleParser } = await import('mailparser');
        const messages = [];
        for (const [id, number] of ids) {
          const head = await client.top(number, 0);
          const mail = head === undefined ? undefined : await simpleParser(head);
          messages.push({
            url: mailUrl(account, { mailbox: '', id }),
            subject: mail?.subject ?? '',
            from: addressText(mail?.from),
            date: mail?.date,
          });
        }
        return { status: 200, page: listingPage(account.label, messages) };
      }
      const number = await numberOf(target.id);
      if (number === undefined) return { status: 404, reason: `no message with UIDL ${target.id}` };
      const size = (await client.list()).get(number) ?? 0;
      if (size > settings.maxBytes) throw new BodyTooLargeError(url, settings.maxBytes);
      // TOP with every line instead of RETR: servers that map POP3 onto IMAP flags (dovecot, Exchange) mark a
      // RETRieved message \Seen, TOP leaves it unread. RETR only where TOP is not offered.
      const source = (await client.top(number, WHOLE_MESSAGE)) ?? (await client.retr(number));
      if (target.kind === 'part') {
        const page = await attachmentPage(source, target.part);
        return page === undefined
          ? { status: 404, reason: `message ${target.id} has no attachment ${target.part}` }
          : { status: 200, page };
      }
      const page = await messagePage(
        source,
        (part) => mailUrl(account, { mailbox: '', id: target.id, part }),
        { 'x-mail-uidl': target.id },
      );
      return { status: 200, page };
    },
    close: () => client.quit(),
  } satisfies MailSession;
};
