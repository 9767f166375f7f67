/** Mail notifications for finished jobs, over SMTP with nodemailer; a mail that cannot be sent never fails a job. */
import type { Transporter } from 'nodemailer';
import type { Stats } from '../crawler/stats.js';
import { summary } from '../crawler/summary.js';
import type { Alert } from './alert.js';

export interface MailerConfig {
  /** SMTP server host name or address. */
  host: string;
  /** 587 for STARTTLS submission, 465 for implicit TLS, 25 for relays. */
  port: number;
  /** TLS from the first byte (port 465). When false, STARTTLS is still used if the server offers it. @default false */
  secure?: boolean;
  auth?: { user: string; pass: string };
  /** The From address, e.g. `Arachne <arachne@example.com>`. */
  from: string;
  to: string | string[];
  /** `{ rejectUnauthorized: false }` for a server with a self-signed certificate. */
  tls?: { rejectUnauthorized?: boolean };
  /** Cap on connecting, the greeting and each SMTP command; a dead server must not hold a job's end. @default 10_000 */
  timeoutMs?: number;
  /** Called when a mail could not be sent. @default a line on stderr */
  onError?: (error: Error, job: FinishedJob) => void;
}

/** What the server knows of a job once it is over. */
export interface FinishedJob {
  id: string;
  spider: string;
  status: 'finished' | 'failed' | 'cancelled';
  stats: Stats;
  /** Why a failed job failed. */
  error?: string;
}

/** The outcome of one mail: never a rejection. */
export type MailResult = { ok: true; messageId: string } | { ok: false; error: Error };

export interface Mailer {
  /** Sends the job's report; resolves with the outcome, failures included (they are passed to `onError` too). */
  sendJobFinished(job: FinishedJob): Promise<MailResult>;
  /** Sends an alert (a job's error rate, a job running too long); resolves with the outcome, never rejects. */
  sendAlert(alert: Alert): Promise<MailResult>;
  /**
   * Sends a short test message to the recipients (`arachne serve --mail-test`); `onError` is not called, the
   * caller reports the outcome.
   */
  sendTest(host: string): Promise<MailResult>;
  /** Releases the transport. */
  close(): void;
}

/**
 * @example
 * const mailer = createMailer({ host: 'smtp.example.com', port: 587, auth, from: 'arachne@example.com', to: 'me@example.com' });
 * await mailer.sendJobFinished({ id: job.id, spider: 'books', status: 'finished', stats });
 */
export function createMailer(config: MailerConfig): Mailer {
  const timeoutMs = config.timeoutMs ?? 10_000;
  // nodemailer (some 40 modules) is loaded with the first mail, not when the server starts.
  let transport: Promise<Transporter> | undefined;
  const open = (): Promise<Transporter> =>
    (transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        host: config.host,
        port: config.port,
        secure: config.secure ?? false,
        ...(config.auth && { auth: { user: config.auth.user, pass: config.auth.pass } }),
        ...(config.tls?.rejectUnauthorized !== undefined && {
          tls: { rejectUnauthorized: config.tls.rejectUnauthorized },
        }),
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      }),
    ));
  const onError =
    config.onError ??
    ((error: Error, job: FinishedJob) => {
      process.stderr.write(
        `arachne: could not mail the report of job ${job.id}: ${error.message}\n`,
      );
    });
  return {
    async sendJobFinished(job) {
      try {
        const info = await (await open()).sendMail({
          from: config.from,
          to: config.to,
          subject: jobSubject(job),
          text: jobBody(job),
        });
        return { ok: true, messageId: String(info.messageId) };
      } catch (caught) {
        const error = caught instanceof Error ? caught : new Error(String(caught));
        try {
          onError(error, job);
        } catch {
          // A broken logger must not turn a lost mail into a crash either.
        }
        return { ok: false, error };
      }
    },
    async sendAlert(alert) {
      try {
        const info = await (await open()).sendMail({
          from: config.from,
          to: config.to,
          subject: `[arachne] alert: ${oneLine(alert.message)}`,
          text: alertBody(alert),
        });
        return { ok: true, messageId: String(info.messageId) };
      } catch (caught) {
        return { ok: false, error: caught instanceof Error ? caught : new Error(String(caught)) };
      }
    },
    async sendTest(host) {
      try {
        const info = await (await open()).sendMail({
          from: config.from,
          to: config.to,
          subject: `[arachne] test message from ${oneLine(host)}`,
          text: `This is a test message from arachne serve --mail-test on ${oneLine(host)}.\nJob reports will be mailed the same way.\n`,
        });
        return { ok: true, messageId: String(info.messageId) };
      } catch (caught) {
        return { ok: false, error: caught instanceof Error ? caught : new Error(String(caught)) };
      }
    },
    close: () => void transport?.then((opened) => opened.close()),
  };
}

const count = new Intl.NumberFormat('en-US');

/** `[arachne] job 3f2a9c1e (books) finished: 2,118 pages, 2,000 items` */
export function jobSubject(job: FinishedJob): string {
  const pages = `${count.format(job.stats.responses)} ${job.stats.responses === 1 ? 'page' : 'pages'}`;
  const items = `${count.format(job.stats.items)} ${job.stats.items === 1 ? 'item' : 'items'}`;
  return `[arachne] job ${oneLine(shortId(job.id))} (${oneLine(job.spider)}) ${job.status}: ${pages}, ${items}`;
}

/** Plain text: what happened, the error if any, then the same summary the CLI prints at the end of a crawl. */
export function jobBody(job: FinishedJob): string {
  const lines = [`Job ${oneLine(job.id)} of spider "${oneLine(job.spider)}" ${job.status}.`];
  if (job.error !== undefined) lines.push(`Error: ${job.error}`);
  lines.push('', summary(job.stats), '');
  lines.push(`started         ${job.stats.startedAt}`);
  if (job.stats.finishedAt !== undefined) lines.push(`finished        ${job.stats.finishedAt}`);
  if (job.stats.closeReason !== undefined) lines.push(`close reason    ${job.stats.closeReason}`);
  return `${lines.join('\n')}\n`;
}

/** The alert's sentence, then the job's figures so far (the same summary as a report). */
export function alertBody(alert: Alert): string {
  const { job } = alert;
  const lines = [`${alert.message}.`, ''];
  lines.push(`job             ${oneLine(job.id)}`);
  lines.push(`spider          ${oneLine(job.spider)}`);
  if (job.url !== null) lines.push(`url             ${oneLine(job.url)}`);
  lines.push(`status          ${job.status}`);
  if (job.startedAt !== null) lines.push(`started         ${job.startedAt}`);
  lines.push(`raised          ${alert.at}`);
  if (job.stats) lines.push('', summary(job.stats));
  return `${lines.join('\n')}\n`;
}

/** UUIDs are long for a subject line; their first group is enough to tell jobs apart at a glance. */
function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

/** Control characters (CR, LF…) from a spider name or id have no place in a header or a one-line sentence. */
function oneLine(text: string): string {
  return text.replace(/\p{Cc}+/gu, ' ');
}
