/** The no-code crawl: follows in-site links and records one line per fetched page. */

import { extractTitleAndLinks } from '../html/index.js';
import type { FeedMessage } from '../http/response.js';
import { redactUrl } from '../url/redact-url.js';
import type { Page } from './page.js';
import { defineSpider, type Spider } from './spider.js';

export interface PageRecord {
  url: string;
  status: number;
  depth: number;
  title: string | null;
  contentType: string;
  bytes: number;
  links: string[];
}

/**
 * The no-code crawl's line for one message of a feed (`ws:`/`wss:`): `data` is the message parsed as JSON when it is
 * JSON, else its text; a binary message's bytes in base64.
 */
export interface MessageRecord {
  url: string;
  /** 0 for the first message of the connection. */
  message: number;
  /** When it was received (ISO 8601). */
  time: string;
  binary: boolean;
  bytes: number;
  data: unknown;
}

export function siteSpider(startUrls: readonly string[]): Spider {
  return defineSpider({
    name: 'site',
    start: startUrls,
    handleStatuses: 'all',
    *parse(page: Page<'parse'>) {
      if (page.message) {
        yield { ...messageRecord(page, page.message) };
        return;
      }
      const isHtml =
        /html|xml/i.test(page.response.contentType) || page.response.contentType === '';
      // An RSS/Atom feed or a sitemap: its title, and the entries it lists (read in XML mode by page.links()).
      const { title, links } = page.isXml
        ? { title: page.document.title(), links: page.links() }
        : isHtml
          ? extractTitleAndLinks(page.response.text, page.url, { maxLinks: page.linkBudget + 1 })
          : { title: undefined, links: [] as string[] };
      const record: PageRecord = {
        // The fetch keeps a start URL's credentials; the record, read by others, does not.
        url: redactUrl(page.url),
        status: page.status,
        depth: page.request.depth,
        title: title ?? null,
        contentType: page.response.contentType,
        bytes: page.body.length,
        links: links.map(redactUrl),
      };
      yield { ...record };
      for (const link of links) yield page.follow(link);
    },
  });
}

function messageRecord(page: Page<'parse'>, message: FeedMessage): MessageRecord {
  return {
    url: redactUrl(page.url),
    message: message.index,
    time: new Date(message.time).toISOString(),
    binary: message.binary,
    bytes: page.body.length,
    data: message.binary ? page.body.toString('base64') : jsonOrText(page.text()),
  };
}

function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
