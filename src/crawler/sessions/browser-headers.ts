/**
 * Browser-like request headers from the `header-generator` package (Apify's, the one got-scraping and Crawlee
 * use): one consistent set per session — User-Agent, Accept, Accept-Language, sec-ch-ua… — so a session looks
 * like one browser on every request, over HTTP and in the browser rung.
 */
import { HeaderGenerator } from 'header-generator';

export type HeaderSet = Readonly<Record<string, string>>;

// The transport and the connection own these: a generated value would lie about what is really sent.
const DROPPED = new Set(['connection', 'accept-encoding', 'host', 'content-length', 'te']);

/** Makes header sets: Chrome on Linux desktop, en-US, by default (the Chromium the browser rung drives). */
export function headerSetFactory(): () => HeaderSet {
  // Built once: the generator loads its Bayesian network from JSON (a few ms), each set is then cheap.
  const generator = new HeaderGenerator({
    browsers: [{ name: 'chrome', minVersion: 110 }],
    operatingSystems: ['linux'],
    devices: ['desktop'],
    locales: ['en-US', 'en'],
    httpVersion: '2',
  });
  return () => {
    const generated = generator.getHeaders();
    const set: Record<string, string> = {};
    for (const [name, value] of Object.entries(generated)) {
      const lower = name.toLowerCase();
      if (!DROPPED.has(lower) && typeof value === 'string') set[lower] = value;
    }
    return Object.freeze(set);
  };
}
