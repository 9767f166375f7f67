/**
 * Mail URLs (RFC 5092 style for IMAP, the same shape for POP3): which account, and which mailbox, message or
 * attachment of it a URL names.
 *
 * - `imaps://alice@host:993/` the account's mailboxes; `imaps://alice@host/INBOX` one mailbox (a listing page);
 *   `imaps://alice@host/INBOX/;UID=42` one message; `imaps://alice@host/INBOX/;UID=42/;PART=2` its 2nd attachment.
 * - `pop3s://alice@host:995/` the maildrop (POP3 has one mailbox); `pop3s://alice@host/;UIDL=abc` one message, by
 *   its UIDL (stable across sessions, unlike message numbers); `pop3s://alice@host/;UIDL=abc/;PART=1` an attachment.
 */
import { CrawlError } from '../errors.js';

export type MailScheme = 'imap:' | 'imaps:' | 'pop3:' | 'pop3s:';
export const mailSchemes: readonly MailScheme[] = ['imap:', 'imaps:', 'pop3:', 'pop3s:'];

const defaultPorts: Record<MailScheme, number> = {
  'imap:': 143,
  'imaps:': 993,
  'pop3:': 110,
  'pop3s:': 995,
};

/** One login on one server: what a connection is kept for. */
export interface MailAccount {
  scheme: MailScheme;
  protocol: 'imap' | 'pop3';
  /** TLS from the first byte (imaps:, pop3s:); the plain schemes upgrade with STARTTLS/STLS when offered. */
  secure: boolean;
  /** Host name or address, IPv6 without brackets. */
  host: string;
  port: number;
  /** Decoded user name (`alice@example.com` is written `alice%40example.com` in the URL). */
  user: string;
  /** `imaps://alice@host:993`: the URL prefix every URL of the account starts with. */
  base: string;
  /** `imaps://host:993 as alice`: names the account in errors and logs (no password, ever). */
  label: string;
}

export type MailTarget =
  /** IMAP only: the account's mailboxes. */
  | { kind: 'mailboxes' }
  /** IMAP: the named mailbox; POP3: the maildrop (`mailbox` is ''). */
  | { kind: 'mailbox'; mailbox: string }
  | { kind: 'message'; mailbox: string; id: string }
  /** `part`: 1-based index among the message's attachments. */
  | { kind: 'part'; mailbox: string; id: string; part: number };

export interface MailUrl {
  account: MailAccount;
  target: MailTarget;
}

/**
 * Splits a mail URL into its account and target.
 * @throws CrawlError `AR_BAD_URL` for another scheme, a missing user name, a password in the URL (passwords come
 * from the environment or a file, so they never reach outputs or logs) or a malformed path.
 */
export function parseMailUrl(input: string): MailUrl {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw bad('not a URL', input);
  }
  const scheme = url.protocol as MailScheme;
  if (!mailSchemes.includes(scheme)) throw bad('not a mail URL', input);
  // The URL is echoed in errors: never with a password, even one given by mistake.
  const shown = `${scheme}//${url.host}${url.pathname}`;
  if (url.password !== '') {
    throw bad(
      'a password in the URL; put it in ARACHNE_MAIL_PASSWORD or a --mail-password-file',
      shown,
    );
  }
  if (url.username === '') throw bad('no user name (imaps://user@host/INBOX)', shown);
  if (url.hostname === '') throw bad('no host', shown);
  const user = decode(url.username, shown);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? defaultPorts[scheme] : Number(url.port);
  const protocol = scheme.startsWith('imap') ? 'imap' : 'pop3';
  const account: MailAccount = {
    scheme,
    protocol,
    secure: scheme.endsWith('s:'),
    host,
    port,
    user,
    base: `${scheme}//${url.username}@${url.host}`,
    label: `${scheme}//${url.host} as ${user}`,
  };
  return { account, target: parseTarget(url.pathname, protocol, shown) };
}

/** The URL of a mailbox (IMAP hierarchy separators kept as `/`), message or attachment of `account`. */
export function mailUrl(
  account: MailAccount,
  target: { mailbox: string; id?: string; part?: number },
): string {
  const mailbox =
    account.protocol === 'pop3'
      ? ''
      : target.mailbox
          .split('/')
          .map((segment) => encodeURIComponent(segment))
          .join('/');
  let url = `${account.base}/${mailbox}`;
  if (target.id !== undefined) {
    const key = account.protocol === 'imap' ? 'UID' : 'UIDL';
    url += `${mailbox === '' ? '' : '/'};${key}=${encodeURIComponent(target.id)}`;
  }
  if (target.part !== undefined) url += `/;PART=${target.part}`;
  return url;
}

function parseTarget(pathname: string, protocol: 'imap' | 'pop3', shown: string): MailTarget {
  // '/INBOX/;UID=42/;PART=2' → ['/INBOX', 'UID=42', 'PART=2']; POP3: '/;UIDL=x' → ['/', 'UIDL=x'].
  const [head = '/', ...params] = pathname.split(/\/?;/);
  const mailbox = decode(head.replace(/^\/+|\/+$/g, ''), shown);
  if (protocol === 'pop3' && mailbox !== '') {
    throw bad('POP3 has one mailbox: pop3s://user@host/ or pop3s://user@host/;UIDL=id', shown);
  }
  if (params.length === 0) {
    return protocol === 'imap' && mailbox === ''
      ? { kind: 'mailboxes' }
      : { kind: 'mailbox', mailbox };
  }
  const idKey = protocol === 'imap' ? 'uid' : 'uidl';
  const [idParam, partParam, ...rest] = params.map((param) => splitParam(param, shown));
  if (idParam?.[0] !== idKey || rest.length > 0 || (protocol === 'imap' && mailbox === '')) {
    throw bad(
      protocol === 'imap' ? 'expected /MAILBOX/;UID=n[/;PART=n]' : 'expected /;UIDL=id[/;PART=n]',
      shown,
    );
  }
  const id = idParam[1];
  if (protocol === 'imap' && !/^[1-9]\d{0,9}$/.test(id)) throw bad('UID must be a number', shown);
  if (partParam === undefined) return { kind: 'message', mailbox, id };
  const part = Number(partParam[1]);
  if (partParam[0] !== 'part' || !Number.isInteger(part) || part < 1) {
    throw bad('expected ;PART=n with n from 1', shown);
  }
  return { kind: 'part', mailbox, id, part };
}

/** `UID=42` → ['uid', '42']. */
function splitParam(param: string, shown: string): [string, string] {
  const equals = param.indexOf('=');
  if (equals <= 0) throw bad(`malformed ;${param}`, shown);
  return [param.slice(0, equals).toLowerCase(), decode(param.slice(equals + 1), shown)];
}

function decode(text: string, shown: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw bad('malformed percent-encoding', shown);
  }
}

function bad(why: string, url: string): CrawlError {
  return new CrawlError('AR_BAD_URL', `malformed mail URL (${why}): ${url}`);
}
