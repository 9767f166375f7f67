/** The HTTP layer's request: plain, serialisable data. The crawler's Request extends it. */

export interface HttpRequest {
  url: string;
  /** Upper-case method. @default 'GET' */
  method: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body?: string;
  /**
   * The forward proxy for this one request (`http://`, `https://`, `socks5://`, `socks5h://`, credentials
   * allowed), over the transport's own. Set by the crawl's proxy rotation and sessions; never sent to the target.
   */
  proxy?: string;
}

/** Per-request transport settings; the client and the crawler fill them from their options. */
export interface TransportOptions {
  /** Connection establishment (DNS + TCP + TLS). @default 10_000 */
  connectTimeoutMs: number;
  /** Whole exchange, first byte to last. @default 30_000 */
  timeoutMs: number;
  /** Cap on the *decoded* body; over it the response is dropped with AR_BODY_TOO_LARGE. @default 32 MiB */
  maxBytes: number;
}

export const transportDefaults: TransportOptions = {
  connectTimeoutMs: 10_000,
  timeoutMs: 30_000,
  maxBytes: 32 * 1024 * 1024,
};
