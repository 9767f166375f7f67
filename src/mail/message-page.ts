/**
 * What a crawl sees of a mail: a message becomes an HTML page (its HTML part, or its text part wrapped) whose
 * headers are the mail's headers and whose attachments are links; a mailbox becomes a listing page linking its
 * messages. mailparser is loaded on first use (it is only needed once a mail URL is fetched).
 */
import type { AddressObject, HeaderValue, ParsedMail } from 'mailparser';

/** A page body and its headers (lower-case names), ready for a Response. */
export interface MailPage {
  headers: Record<string, string>;
  body: Buffer;
}

/** One line of a mailbox listing. */
export interface ListedMessage {
  url: string;
  subject: string;
  from: string;
  date: Date | undefined;
}

/** Headers describing the raw MIME message, not the page made of it. */
const MIME_ONLY = new Set(['content-type', 'content-transfer-encoding', 'mime-version']);

async function parse(source: Buffer): Promise<ParsedMail> {
  const { simpleParser } = await import('mailparser');
  // Attachments stay Buffers (no temp files); the message size was already checked against maxBytes.
  return simpleParser(source, { skipImageLinks: true });
}

/**
 * The page of a message: its HTML part (else its text part, links made clickable) plus a list of links to its
 * attachments, `attachmentUrl(1)`, `attachmentUrl(2)`…; the mail's headers as the page's headers.
 */
export async function messagePage(
  source: Buffer,
  attachmentUrl: (part: number) => string,
  extraHeaders: Record<string, string> = {},
): Promise<MailPage> {
  const mail = await parse(source);
  const subject = mail.subject ?? '';
  const attachments = mail.attachments.map(
    (attachment, index) =>
      `<li><a href="${escapeHtml(attachmentUrl(index + 1))}" type="${escapeHtml(attachment.contentType)}">${escapeHtml(
        attachment.filename ?? `attachment ${index + 1}`,
      )}</a></li>`,
  );
  const list =
    attachments.length === 0
      ? ''
      : `\n<ul class="mail-attachments">\n${attachments.join('\n')}\n</ul>\n`;
  let html: string;
  if (mail.html !== false) {
    html = mail.html;
    if (!/<title[\s>]/i.test(html)) html = `<title>${escapeHtml(subject)}</title>\n${html}`;
    const bodyEnd = html.search(/<\/body\s*>/i);
    html = bodyEnd === -1 ? html + list : html.slice(0, bodyEnd) + list + html.slice(bodyEnd);
  } else {
    html = `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>\n<body>\n${
      mail.textAsHtml ?? ''
    }${list}</body></html>\n`;
  }
  return {
    headers: {
      ...mailHeaders(mail),
      ...extraHeaders,
      'content-type': 'text/html; charset=utf-8',
      'x-mail-attachments': String(mail.attachments.length),
    },
    body: Buffer.from(html),
  };
}

/** The `part`-th attachment (from 1) of a message with its own content type, or `undefined` when there is none. */
export async function attachmentPage(source: Buffer, part: number): Promise<MailPage | undefined> {
  const mail = await parse(source);
  const attachment = mail.attachments[part - 1];
  if (attachment === undefined) return undefined;
  const headers: Record<string, string> = {
    'content-type': attachment.contentType,
    'content-length': String(attachment.content.length),
  };
  if (attachment.filename !== undefined) {
    headers['content-disposition'] =
      `attachment; filename*=UTF-8''${encodeURIComponent(attachment.filename)}`;
  }
  return { headers, body: attachment.content };
}

/** A listing page: one link per message, newest last as the server numbers them, plus the mailboxes below. */
export function listingPage(
  title: string,
  messages: readonly ListedMessage[],
  mailboxes: readonly { url: string; name: string }[] = [],
): MailPage {
  const items = messages.map(
    (message) =>
      `<li><a href="${escapeHtml(message.url)}">${escapeHtml(message.subject || '(no subject)')}</a> <span class="from">${escapeHtml(
        message.from,
      )}</span> <time>${message.date ? message.date.toISOString() : ''}</time></li>`,
  );
  const boxes = mailboxes.map(
    (box) => `<li><a href="${escapeHtml(box.url)}">${escapeHtml(box.name)}</a></li>`,
  );
  const html = `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>\n<body>\n${
    boxes.length > 0 ? `<ul class="mailboxes">\n${boxes.join('\n')}\n</ul>\n` : ''
  }${items.length > 0 ? `<ol class="messages">\n${items.join('\n')}\n</ol>\n` : ''}</body></html>\n`;
  return {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'x-mail-messages': String(messages.length),
    },
    body: Buffer.from(html),
  };
}

/** Every header of the mail, one string each: addresses as written, dates in ISO 8601, lists joined. */
function mailHeaders(mail: ParsedMail): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of mail.headers) {
    if (MIME_ONLY.has(name)) continue;
    const text = headerText(value);
    if (text !== undefined) headers[name] = text.replace(/\p{Cc}+/gu, ' ').trim();
  }
  return headers;
}

function headerText(value: HeaderValue): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (Array.isArray(value)) {
    const parts = (value as unknown[]).map((entry) =>
      typeof entry === 'string' ? entry : isAddress(entry) ? entry.text : undefined,
    );
    return parts.filter((part) => part !== undefined).join(', ');
  }
  if (isAddress(value)) return value.text;
  if (typeof value === 'object' && value !== null && 'value' in value) {
    const inner = (value as { value: unknown }).value;
    return typeof inner === 'string' ? inner : undefined;
  }
  return undefined;
}

function isAddress(value: unknown): value is AddressObject {
  return typeof value === 'object' && value !== null && 'text' in value && 'value' in value;
}

/** The From of an envelope or parsed mail, for a listing line. */
export function addressText(value: AddressObject | AddressObject[] | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.map((entry) => entry.text).join(', ') : value.text;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
