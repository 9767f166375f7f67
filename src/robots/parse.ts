/** robots.txt parser: bytes to groups of compiled rules, with google/robotstxt's leniencies. */
import { compileRule, escapePattern } from './matcher.js';
import { type RobotsGroup, RobotsTxt } from './robots-txt.js';

/** Bytes of a robots.txt that are parsed; the rest is ignored (RFC 9309 §2.5 asks for at least 500 KiB). */
export const MAX_ROBOTS_BYTES = 512 * 1024;
/** google/robotstxt keeps 8 × 2083 − 1 bytes of a line and drops the rest of it. */
const MAX_LINE_BYTES = 2083 * 8 - 1;
const BOM = [0xef, 0xbb, 0xbf] as const;
const CR = 0x0d;
const LF = 0x0a;

type LineKind = 'user-agent' | 'allow' | 'disallow' | 'sitemap' | 'crawl-delay' | 'other';

/**
 * Parses a robots.txt body (a string, or raw bytes assumed to be UTF-8). Only the first
 * {@link MAX_ROBOTS_BYTES} bytes are read; a line cut by that limit is dropped, because a truncated
 * path would widen its rule.
 */
export function parseRobots(text: string | Uint8Array): RobotsTxt {
  const bytes = cappedBytes(text);
  const builder = new GroupBuilder();
  let start = 0;
  // A UTF-8 BOM, even a partial one, is skipped at the start only (as google/robotstxt does).
  while (start < BOM.length && bytes[start] === BOM[start]) start++;
  for (let i = start; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte !== CR && byte !== LF) continue;
    builder.line(lineText(bytes, start, i));
    start = i + 1;
  }
  builder.line(lineText(bytes, start, bytes.length));
  return builder.finish();
}

function cappedBytes(text: string | Uint8Array): Buffer {
  const whole =
    typeof text === 'string'
      ? Buffer.from(text.length > MAX_ROBOTS_BYTES ? text.slice(0, MAX_ROBOTS_BYTES + 1) : text)
      : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  if (whole.length <= MAX_ROBOTS_BYTES) return whole;
  const capped = whole.subarray(0, MAX_ROBOTS_BYTES);
  const lastBreak = Math.max(capped.lastIndexOf(LF), capped.lastIndexOf(CR));
  return capped.subarray(0, lastBreak + 1);
}

/** One line as a latin1 "byte string", cut at the line limit and at a NUL (C-string semantics upstream). */
function lineText(bytes: Buffer, start: number, end: number): string {
  const limit = Math.min(end, start + MAX_LINE_BYTES);
  const nul = bytes.subarray(start, limit).indexOf(0);
  return bytes.toString('latin1', start, nul === -1 ? limit : start + nul);
}

class GroupBuilder {
  readonly #groups: RobotsGroup[] = [];
  readonly #sitemaps = new Set<string>();
  #current: RobotsGroup | undefined;
  /** An Allow/Disallow line was seen, so the next User-agent line starts a new group. */
  #closed = false;

  line(raw: string): void {
    const pair = splitKeyValue(raw);
    if (!pair) return;
    const [key, value] = pair;
    switch (classify(key)) {
      case 'user-agent':
        this.#userAgent(value);
        break;
      case 'allow':
        this.#rule(true, value);
        break;
      case 'disallow':
        this.#rule(false, value);
        break;
      case 'sitemap':
        if (value !== '') this.#sitemaps.add(Buffer.from(value, 'latin1').toString('utf8'));
        break;
      case 'crawl-delay':
        this.#crawlDelay(value);
        break;
      default:
        // Unknown lines neither open nor close a group (google/robotstxt since 2022).
        break;
    }
  }

  finish(): RobotsTxt {
    return new RobotsTxt(this.#groups, [...this.#sitemaps]);
  }

  #userAgent(value: string): void {
    if (!this.#current || this.#closed) {
      this.#current = { global: false, agents: [], rules: [], crawlDelaySeconds: undefined };
      this.#groups.push(this.#current);
      this.#closed = false;
    }
    // Google reads `* anything` as the global agent and `Foo Bar` as `Foo`.
    if (value.startsWith('*') && (value.length === 1 || isAsciiSpace(value.charCodeAt(1)))) {
      this.#current.global = true;
      return;
    }
    const token = /^[A-Za-z_-]+/.exec(value)?.[0];
    if (token) this.#current.agents.push(token.toLowerCase());
  }

  #rule(allow: boolean, value: string): void {
    if (!this.#current) return; // rules before any User-agent line belong to no group
    this.#closed = true;
    if (value === '') return; // an empty pattern matches with priority 0, which never decides
    const pattern = escapePattern(value);
    const group = this.#current;
    group.rules.push(compileRule(allow, pattern));
    // Google: `Allow: /x/index.html` also allows the directory `/x/` itself.
    const slash = pattern.lastIndexOf('/');
    if (allow && slash !== -1 && pattern.startsWith('/index.htm', slash)) {
      group.rules.push(compileRule(true, `${pattern.slice(0, slash + 1)}$`));
    }
  }

  #crawlDelay(value: string): void {
    if (!this.#current || this.#current.crawlDelaySeconds !== undefined) return;
    if (!/^(?:\d+\.?\d*|\.\d+)$/.test(value)) return;
    const seconds = Number(value);
    if (Number.isFinite(seconds)) this.#current.crawlDelaySeconds = seconds;
  }
}

function classify(key: string): LineKind {
  const k = key.toLowerCase();
  if (k.startsWith('user-agent') || k.startsWith('useragent') || k.startsWith('user agent')) {
    return 'user-agent';
  }
  if (k.startsWith('allow')) return 'allow';
  // Google accepts these frequent misspellings of Disallow.
  for (const spelling of ['disallow', 'dissallow', 'dissalow', 'disalow', 'diasllow', 'disallaw']) {
    if (k.startsWith(spelling)) return 'disallow';
  }
  if (k.startsWith('sitemap') || k.startsWith('site-map')) return 'sitemap';
  if (k.startsWith('crawl-delay') || k.startsWith('crawldelay') || k.startsWith('crawl delay')) {
    return 'crawl-delay';
  }
  return 'other';
}

/**
 * `key: value` with comments and surrounding whitespace removed. Like Google, a missing colon is
 * accepted when the line is exactly two whitespace-separated words (`Disallow /x`).
 */
function splitKeyValue(raw: string): [string, string] | undefined {
  const hash = raw.indexOf('#');
  const line = trimAscii(hash === -1 ? raw : raw.slice(0, hash));
  let sep = line.indexOf(':');
  if (sep === -1) {
    sep = line.search(/[ \t]/);
    if (sep === -1 || /[ \t]/.test(line.slice(sep).replace(/^[ \t]+/, ''))) return undefined;
  }
  const key = trimAscii(line.slice(0, sep));
  if (key === '') return undefined;
  return [key, trimAscii(line.slice(sep + 1))];
}

/** C `isspace` in the "C" locale; String#trim would also strip U+00A0, a UTF-8 continuation byte here. */
function isAsciiSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

function trimAscii(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isAsciiSpace(text.charCodeAt(start))) start++;
  while (end > start && isAsciiSpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}
