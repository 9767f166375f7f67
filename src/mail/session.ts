/** What the mail handler needs of a logged-in IMAP or POP3 connection. */
import type { TlsSettings } from '../http/transport.js';
import type { MailAccount, MailTarget } from './mail-url.js';
import type { MailPage } from './message-page.js';

/** How to reach the server of an account, once the egress guard has had its say. */
export interface MailConnectSettings {
  /** The address to connect to (the URL's host, or the address it resolved to under the egress guard). */
  address: string;
  /** The crawl's TLS settings (`--ca`, `--cert/--key`, `--insecure`, `--tls-min-version`). */
  tls?: TlsSettings | undefined;
  timeoutMs: number;
  /** A message larger than this is refused before it is downloaded. */
  maxBytes: number;
}

/** A page, or the status saying why there is none (404: no such mailbox, message or attachment). */
export type MailAnswer = { status: 200; page: MailPage } | { status: 404; reason: string };

export interface MailSession {
  /** Fetches what `target` names, read-only: nothing is deleted, moved or flagged (IMAP's \Seen included). */
  fetch(target: MailTarget, url: string): Promise<MailAnswer>;
  /** False once the connection failed: the handler then opens another. */
  readonly usable: boolean;
  /** Logs out (QUIT / LOGOUT) and closes. */
  close(): Promise<void>;
}

export type OpenSession = (
  account: MailAccount,
  password: string,
  settings: MailConnectSettings,
) => Promise<MailSession>;
