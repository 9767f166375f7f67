/** Per-origin robots.txt cache: one fetch per origin even under concurrent callers, RFC 9309 status rules, sync fast path. */
import { CrawlError } from '../errors.js';
import { parseRobots } from './parse.js';
import { fetchRobotsTxt, type RobotsFetch } from './robots-fetch.js';
import { RobotsTxt } from './robots-txt.js';

export interface RobotsCacheOptions {
  /** The crawler's User-Agent; its product token (`arachne` in `arachne/0.1.0`) selects the group. */
  userAgent: string;
  /** One request, no redirect following: the cache follows redirects itself. */
  fetch: RobotsFetch;
  /** Lifetime of a fetched (2xx) or unavailable (4xx) robots.txt. RFC 9309 §2.4: at most 24 h. @default 86_400_000 */
  ttlMs?: number;
  /** Lifetime of the disallow-all policy used while robots.txt is unreachable (5xx, network error). @default 600_000 */
  errorTtlMs?: number;
  /** Redirects followed after the first request. @default 5 */
  maxRedirects?: number;
  /** Per-hop timeout before the origin counts as unreachable. @default 30_000 */
  timeoutMs?: number;
  /** Origins kept; the least recently stored is dropped first. @default 10_000 */
  maxEntries?: number;
  /** Clock, injectable for tests. @default Date.now */
  now?: () => number;
  /**
   * Called once per fetched robots.txt, whoever asked for it (a page's request, the sitemap seeding): what a load
   * tells the crawl (a Crawl-delay, an unreachable origin) must not depend on who loaded it first.
   */
  onLoad?: (origin: string, entry: RobotsEntry) => void;
}

/** How an origin's policy was obtained. */
export interface RobotsEntry {
  policy: RobotsTxt;
  /** `parsed`: 2xx. `unavailable`: 4xx or too many redirects (allow all). `unreachable`: 5xx/network (disallow all). */
  state: 'parsed' | 'unavailable' | 'unreachable';
  /** Final HTTP status, undefined after a network error or timeout. */
  status: number | undefined;
  /** Why the state is not `parsed` (`status 503`, `ECONNREFUSED`…). */
  reason: string | undefined;
  fetchedAt: number;
  expiresAt: number;
}

export class RobotsCache {
  readonly userAgent: string;
  readonly #options: RobotsCacheOptions;
  readonly #now: () => number;
  readonly #entries = new Map<string, RobotsEntry>();
  readonly #inflight = new Map<string, Promise<RobotsEntry>>();

  constructor(options: RobotsCacheOptions) {
    this.userAgent = options.userAgent;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The policy for an origin (or any URL on it), fetching robots.txt once if needed. */
  async get(originOrUrl: string): Promise<RobotsTxt> {
    return (await this.load(originOrUrl)).policy;
  }

  /** Like {@link get}, with how the policy was obtained. Rejects only on a non-http(s) or invalid URL. */
  load(originOrUrl: string): Promise<RobotsEntry> {
    let key: string;
    try {
      key = originKey(originOrUrl);
    } catch (error) {
      return Promise.reject(error);
    }
    const fresh = this.#fresh(key);
    if (fresh) return Promise.resolve(fresh);
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#fetch(key).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  /** The loaded, unexpired policy for an origin (or any URL on it); never fetches, never allocates a promise. */
  peek(originOrUrl: string): RobotsTxt | undefined {
    return this.entry(originOrUrl)?.policy;
  }

  /** The loaded, unexpired entry for an origin (or any URL on it), without fetching. */
  entry(originOrUrl: string): RobotsEntry | undefined {
    const direct = this.#fresh(originOrUrl) ?? this.#fresh(quickOrigin(originOrUrl));
    if (direct) return direct;
    try {
      return this.#fresh(originKey(originOrUrl));
    } catch {
      return undefined;
    }
  }

  /** May the crawler's agent fetch `url`? Fetches the origin's robots.txt on first use. */
  async isAllowed(url: string): Promise<boolean> {
    return this.isAllowedSync(url) ?? (await this.get(url)).isAllowed(this.userAgent, url);
  }

  /** Sync answer when the origin's policy is loaded; undefined means "call {@link get} first". */
  isAllowedSync(url: string): boolean | undefined {
    return this.peek(url)?.isAllowed(this.userAgent, url);
  }

  /** The agent's Crawl-delay for a loaded origin, in milliseconds. */
  crawlDelayMs(originOrUrl: string): number | undefined {
    return this.peek(originOrUrl)?.crawlDelayMs(this.userAgent);
  }

  /** `Sitemap:` URLs of a loaded origin (empty when unknown or none). */
  sitemaps(originOrUrl: string): string[] {
    return this.peek(originOrUrl)?.sitemaps ?? [];
  }

  /** Forgets every origin; in-flight fetches still complete and are stored. */
  clear(): void {
    this.#entries.clear();
  }

  async #fetch(key: string): Promise<RobotsEntry> {
    const outcome = await fetchRobotsTxt(key, this.#options.fetch, {
      maxRedirects: this.#options.maxRedirects ?? 5,
      timeoutMs: this.#options.timeoutMs ?? 30_000,
    });
    const policy =
      outcome.kind === 'parsed'
        ? parseRobots(outcome.body)
        : outcome.kind === 'unavailable'
          ? RobotsTxt.allowAll()
          : RobotsTxt.disallowAll();
    // Unreachable is cached briefly so that a recovering server is asked again soon.
    const ttl =
      outcome.kind === 'unreachable'
        ? (this.#options.errorTtlMs ?? 600_000)
        : (this.#options.ttlMs ?? 86_400_000);
    const fetchedAt = this.#now();
    const entry: RobotsEntry = {
      policy,
      state: outcome.kind,
      status: outcome.status,
      reason: outcome.kind === 'parsed' ? undefined : outcome.reason,
      fetchedAt,
      expiresAt: fetchedAt + ttl,
    };
    this.#store(key, entry);
    this.#options.onLoad?.(key, entry);
    return entry;
  }

  #store(key: string, entry: RobotsEntry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    const max = this.#options.maxEntries ?? 10_000;
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= max) break;
      this.#entries.delete(oldest);
    }
  }

  #fresh(key: string): RobotsEntry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > this.#now()) return entry;
    this.#entries.delete(key);
    return undefined;
  }
}

/** Normalised `scheme://host[:port]` of an http(s) URL or origin. */
function originKey(originOrUrl: string): string {
  let url: URL;
  try {
    url = new URL(originOrUrl);
  } catch (error) {
    throw new CrawlError('AR_BAD_URL', `Not a URL: ${originOrUrl}`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CrawlError('AR_BAD_URL', `robots.txt applies to http(s) only: ${originOrUrl}`);
  }
  return url.origin;
}

/** `scheme://authority` by slicing: equals the origin for already-normalised hrefs, the hot path. */
function quickOrigin(url: string): string {
  const authority = url.indexOf('://');
  if (authority === -1) return url;
  for (let i = authority + 3; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x2f || c === 0x3f || c === 0x23) return url.slice(0, i);
  }
  return url;
}
