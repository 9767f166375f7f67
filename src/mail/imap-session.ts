/**
 * IMAP through imapflow, read-only: mailboxes are opened with EXAMINE (`readOnly: true`) and messages fetched with
 * BODY.PEEK, so no flag changes (a crawled message stays unseen). Nothing is stored, moved or expunged.
 */
import { isIP } from 'node:net';
import type { FetchMessageObject, ImapFlow, MessageAddressObject } from 'imapflow';
import { BodyTooLargeError, MailAuthError } from '../errors.js';
import { type MailAccount, mailUrl } from './mail-url.js';
import { attachmentPage, listingPage, messagePage } from './message-page.js';
import type { MailAnswer, MailSession, OpenSession } from './session.js';

export const openImapSession: OpenSession = async (account, password, settings) => {
  const { ImapFlow } = await import('imapflow');
  const servername = isIP(account.host) === 0 ? account.host : undefined;
  const client = new ImapFlow({
    host: settings.address,
    port: account.port,
    secure: account.secure,
    ...(servername !== undefined && { servername }),
    auth: { user: account.user, pass: password },
    tls: {
      ...(servername !== undefined && { servername }),
      ...settings.tls,
    },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
  });
  let failed = false;
  // Without a listener an 'error' event would crash the process; the next fetch opens a fresh connection.
  client.on('error', () => {
    failed = true;
  });
  client.on('close', () => {
    failed = true;
  });
  try {
    await client.connect();
  } catch (error) {
    client.close();
    if ((error as { authenticationFailed?: boolean }).authenticationFailed) {
      throw new MailAuthError(account.label, 'the server rejected the user name or password');
    }
    throw error;
  }
  return {
    get usable() {
      return !failed && client.usable;
    },
    fetch: (target, url) => fetchTarget(client, account, target, url, settings.maxBytes),
    close: async () => {
      try {
        await client.logout();
      } catch {
        client.close();
      }
    },
  } satisfies MailSession;
};

async function fetchTarget(
  client: ImapFlow,
  account: MailAccount,
  target: Parameters<MailSession['fetch']>[0],
  url: string,
  maxBytes: number,
): Promise<MailAnswer> {
  if (target.kind === 'mailboxes') {
    const boxes = await client.list();
    const mailboxes = boxes
      .filter((box) => !box.flags.has('\\Noselect') && !box.flags.has('\\NonExistent'))
      .map((box) => ({ url: mailUrl(account, { mailbox: box.path }), name: box.path }));
    return { status: 200, page: listingPage(account.label, [], mailboxes) };
  }
  let lock: Awaited<ReturnType<ImapFlow['getMailboxLock']>>;
  try {
    lock = await client.getMailboxLock(target.mailbox, { readOnly: true });
  } catch (error) {
    // NONEXISTENT (RFC 5530), or a plain NO: the mailbox is not there (or not ours to see).
    if ((error as { responseStatus?: string }).responseStatus === 'NO') {
      return { status: 404, reason: `no mailbox "${target.mailbox}"` };
    }
    throw error;
  }
  try {
    if (target.kind === 'mailbox') {
      const exists = client.mailbox === false ? 0 : client.mailbox.exists;
      const messages =
        exists === 0 ? [] : await client.fetchAll('1:*', { uid: true, envelope: true }, {});
      return {
        status: 200,
        page: listingPage(
          target.mailbox,
          messages.map((message) => ({
            url: mailUrl(account, { mailbox: target.mailbox, id: String(message.uid) }),
            subject: message.envelope?.subject ?? '',
            from: addresses(message.envelope?.from),
            date: envelopeDate(message),
          })),
        ),
      };
    }
    const sized = await client.fetchOne(
      target.id,
      { uid: true, size: true, flags: true },
      { uid: true },
    );
    if (sized === false) return { status: 404, reason: `no message with UID ${target.id}` };
    if ((sized.size ?? 0) > maxBytes) throw new BodyTooLargeError(url, maxBytes);
    const message = await client.fetchOne(target.id, { uid: true, source: true }, { uid: true });
    if (message === false || message.source === undefined) {
      return { status: 404, reason: `no message with UID ${target.id}` };
    }
    if (target.kind === 'part') {
      const page = await attachmentPage(message.source, target.part);
      return page === undefined
        ? { status: 404, reason: `message ${target.id} has no attachment ${target.part}` }
        : { status: 200, page };
    }
    const page = await messagePage(
      message.source,
      (part) => mailUrl(account, { mailbox: target.mailbox, id: target.id, part }),
      {
        'x-mail-uid': String(sized.uid),
        'x-mail-flags': [...(sized.flags ?? [])].join(' '),
      },
    );
    return { status: 200, page };
  } finally {
    lock.release();
  }
}

function addresses(list: MessageAddressObject[] | undefined): string {
  return (list ?? [])
    .map((entry) => (entry.name ? `${entry.name} <${entry.address ?? ''}>` : (entry.address ?? '')))
    .join(', ');
}

function envelopeDate(message: FetchMessageObject): Date | undefined {
  const date = message.envelope?.date;
  if (date === undefined) return undefined;
  const parsed = date instanceof Date ? date : new Date(date);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
}
