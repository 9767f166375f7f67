/**
 * The download handler of imap:, imaps:, pop3: and pop3s: URLs. One logged-in connection per account, reused by
 * the account's requests one at a time, and logged out when the crawl ends. Passwords come from
 * `ARACHNE_MAIL_PASSWORD` or the `mailPasswordFile` option, never from the URL, and never appear in an error.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import type { DownloadHandler } from '../crawler/download-handlers/registry.js';
import {
  ConfigError,
  CrawlError,
  EgressDeniedError,
  isCrawlError,
  MailAuthError,
  NetworkError,
  TimeoutError,
} from '../errors.js';
import { EgressGuard } from '../http/egress-guard.js';
import { Response } from '../http/response.js';
import type { TlsSettings } from '../http/transport.js';
import { redactUrl } from '../url/redact-url.js';
import { type MailAccount, parseMailUrl } from './mail-url.js';
import type { MailConnectSettings, MailSession, OpenSession } from './session.js';

export interface MailHandlerOptions {
  /** False: refuse servers on private, loopback and link-local addresses (API jobs). */
  allowPrivate: boolean;
  /** Cap on connecting and on each command's answer. */
  timeoutMs: number;
  /** Messages larger than this are refused before they are downloaded (`AR_BODY_TOO_LARGE`). */
  maxBytes: number;
  /** A file whose first line is the password; wins over `ARACHNE_MAIL_PASSWORD`. */
  mailPasswordFile?: string | undefined;
  /** The crawl's TLS settings: `--ca` trusts a private CA or a self-signed server. */
  tls?: TlsSettings | undefined;
  /** Where ARACHNE_MAIL_PASSWORD is read from. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

export const PASSWORD_VARIABLE = 'ARACHNE_MAIL_PASSWORD';

export function mailHandler(options: MailHandlerOptions): DownloadHandler {
  const sessions = new Map<string, Promise<MailSession>>();
  // Each account's requests run one after another on its connection (IMAP selects one mailbox at a time, POP3
  // answers one command at a time): a chain of promises per account.
  const queues = new Map<string, Promise<unknown>>();
  // A refused login is not tried again in this crawl: repeated bad logins can lock an account.
  const refused = new Map<string, MailAuthError>();
  const guard = options.allowPrivate ? undefined : new EgressGuard({ allowPrivate: false });
  let password: Promise<string> | undefined;
  let closed = false;

  const readPassword = async (account: MailAccount): Promise<string> => {
    password ??= (async () => {
      if (options.mailPasswordFile !== undefined) {
        const text = await readFile(options.mailPasswordFile, 'utf8').catch((error: unknown) => {
          throw new ConfigError(
            `cannot read the mail password file ${options.mailPasswordFile}: ${(error as Error).message}`,
          );
        });
        return text.split(/\r?\n/)[0] ?? '';
      }
      return (options.env ?? process.env)[PASSWORD_VARIABLE] ?? '';
    })();
    const value = await password;
    if (value === '') {
      throw new MailAuthError(
        account.label,
        `no password (set ${PASSWORD_VARIABLE} or give a mail password file)`,
      );
    }
    return value;
  };

  const settingsFor = async (account: MailAccount): Promise<MailConnectSettings> => {
    return {
      address: guard ? await guardedAddress(guard, account.host) : account.host,
      ...(options.tls && { tls: options.tls }),
      timeoutMs: options.timeoutMs,
      maxBytes: options.maxBytes,
    };
  };

  const sessionFor = async (account: MailAccount): Promise<MailSession> => {
    const refusal = refused.get(account.base);
    if (refusal) throw refusal;
    const open = sessions.get(account.base);
    if (open) {
      const session = await open.catch(() => undefined);
      if (session?.usable) return session;
      sessions.delete(account.base);
      void session?.close().catch(() => undefined);
    }
    const opening = (async () => {
      const settings = await settingsFor(account);
      const secret = await readPassword(account);
      const openSession: OpenSession =
        account.protocol === 'imap'
          ? (await import('./imap-session.js')).openImapSession
          : (await import('./pop3-session.js')).openPop3Session;
      return openSession(account, secret, settings);
    })();
    sessions.set(account.base, opening);
    opening.catch((error: unknown) => {
      sessions.delete(account.base);
      if (error instanceof MailAuthError) refused.set(account.base, error);
    });
    return opening;
  };

  const inTurn = <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const previous = queues.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => undefined);
    queues.set(key, settled);
    void settled.then(() => {
      if (queues.get(key) === settled) queues.delete(key);
    });
    return next;
  };

  return {
    name: 'mail',
    async fetch(request) {
      if (closed)
        throw new CrawlError('AR_NETWORK', `mail handler closed: ${redactUrl(request.url)}`);
      const started = performance.now();
      const { account, target } = parseMailUrl(request.url);
      const shown = redactUrl(request.url);
      const answer = await inTurn(account.base, async () => {
        const session = await sessionFor(account);
        try {
          return await session.fetch(target, shown);
        } catch (error) {
          // A connection that failed mid-command is not reused: the retry opens a fresh one.
          if (!session.usable) sessions.delete(account.base);
          throw error;
        }
      }).catch((error: unknown) => {
        throw mailError(error, shown, account);
      });
      const totalMs = performance.now() - started;
      const timings = { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: totalMs, totalMs };
      if (answer.status === 404) {
        return new Response({
          url: request.url,
          status: 404,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          body: Buffer.from(`${answer.reason}\n`),
          request,
          timings,
        });
      }
      return new Response({
        url: request.url,
        status: 200,
        headers: { ...answer.page.headers, 'content-length': String(answer.page.body.length) },
        body: answer.page.body,
        request,
        timings,
      });
    },
    async close() {
      closed = true;
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.all(
        open.map(async (opening) => {
          const session = await opening.catch(() => undefined);
          await session?.close().catch(() => undefined);
        }),
      );
    },
  };
}

/** The address to connect to, checked by the egress guard (a name is resolved once and the address kept). */
async function guardedAddress(guard: EgressGuard, host: string): Promise<string> {
  if (isIP(host) !== 0) {
    if (guard.denies(host)) throw new EgressDeniedError(host, host);
    return host;
  }
  const lookup = promisify(guard.lookup()) as (
    hostname: string,
    options: object,
  ) => Promise<string | { address: string }[]>;
  const found = await lookup(host, {});
  const first = typeof found === 'string' ? found : found[0]?.address;
  if (first === undefined) throw new NetworkError(host, 'no address');
  return first;
}

/** Typed crawl errors for what the libraries throw; their messages never carry the password. */
function mailError(error: unknown, url: string, account: MailAccount): Error {
  if (isCrawlError(error)) return error;
  const failure = error as {
    message?: string;
    code?: string;
    timedOut?: boolean;
    authenticationFailed?: boolean;
  };
  if (failure.authenticationFailed) {
    return new MailAuthError(account.label, 'the server rejected the user name or password');
  }
  const message = failure.message ?? String(error);
  if (failure.timedOut || /timeout/i.test(failure.code ?? '') || /timed? ?out/i.test(message)) {
    return new TimeoutError(url, account.protocol, { cause: error });
  }
  return new NetworkError(url, `${account.protocol}: ${message}`, { cause: error });
}
