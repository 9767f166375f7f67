/** Plain log lines on stderr, fed by crawl events (events observe; the logger is one more listener). */
import { redactUrlsIn } from '../url/redact-url.js';
import type { Crawler } from './crawler.js';
import type { LogLevel } from './options.js';

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogWrite = (line: string) => void;

/** A line redrawn in place on a terminal (the CLI's progress): log lines must not glue onto it. */
export interface LiveLine {
  stream: NodeJS.WritableStream;
  /** The text to redraw after a log line. */
  current(): string;
}

let liveLine: LiveLine | undefined;

/** Registers (or, with undefined, forgets) the live line that log lines on stderr clear first and redraw after. */
export function setLiveLine(line: LiveLine | undefined): void {
  liveLine = line;
}

const toStderr: LogWrite = (line) => {
  const live = liveLine;
  live?.stream.write('\r\x1b[2K');
  process.stderr.write(`${line}\n`);
  live?.stream.write(live.current());
};

export function createLog(level: LogLevel, write: LogWrite = toStderr) {
  const at = (lineLevel: Exclude<LogLevel, 'silent'>) => (message: string) => {
    if (rank[lineLevel] >= rank[level])
      // Credentials in a URL (http://user:pass@host/) never reach the log.
      write(`${new Date().toISOString()} ${lineLevel.toUpperCase()} ${redactUrlsIn(message)}`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export type Log = ReturnType<typeof createLog>;

/** Logs the crawl's life: failures and warnings always, each response at debug. */
export function attachLogger(crawler: Crawler, log: Log): void {
  const invalidSeen = new Set<string>();
  crawler
    .on('crawl:opened', ({ spider }) => log.info(`spider "${spider}" opened`))
    .on('response:received', ({ request, response }) =>
      log.debug(
        `${response.status} ${request.method} ${response.url} (${response.timings.totalMs} ms)`,
      ),
    )
    .on('request:retried', ({ request, error, delayMs }) =>
      log.debug(`retrying in ${delayMs} ms (attempt ${request.attempt + 1}): ${error.message}`),
    )
    // The URL leads the line: the dashboard links a failure to its log lines by it.
    .on('request:failed', ({ request, error }) =>
      log.warn(`request failed: ${request.url} ${oneLine(error)}`),
    )
    .on('request:ignored', ({ reason, code }) => log.debug(`ignored (${code}): ${reason}`))
    .on('item:dropped', ({ reason }) => log.debug(`item dropped: ${reason}`))
    .on('autothrottle:adjusted', ({ host, delayMs, concurrency, reason, latencyMs }) =>
      log.debug(
        `autothrottle ${host}: delay ${delayMs} ms, ${concurrency} in flight (${reason}, latency ${latencyMs} ms)`,
      ),
    )
    .on('item:invalid', ({ issues, kept }) => {
      // Once per distinct reason, not per item: a selector gone stale fails every page the same way.
      for (const { field, message, value } of issues) {
        const reason = `${field}: ${message}`;
        if (invalidSeen.has(reason) || invalidSeen.size >= maxInvalidReasons) continue;
        invalidSeen.add(reason);
        log.warn(
          `invalid item, ${kept ? 'kept' : 'dropped'}: ${reason} (e.g. ${value}); counted in stats.invalidItemsByField, logged once`,
        );
      }
    })
    .on('crawl:warning', ({ message }) => log.warn(message))
    .on('sitemap:read', ({ url, kept, sitemaps, skipped, cut }) => {
      const reasons = Object.entries(skipped).map(([reason, n]) => `${n} ${reason}`);
      const listed = sitemaps > 0 ? `, ${sitemaps} sitemaps listed` : '';
      const skips = reasons.length > 0 ? `; skipped ${reasons.join(', ')}` : '';
      if (cut !== undefined) log.warn(`sitemap ${url}: ${cut}`);
      if (reasons.length > 0) log.info(`sitemap ${url}: ${kept} URLs kept${listed}${skips}`);
      else log.debug(`sitemap ${url}: ${kept} URLs kept${listed}`);
    })
    .on('crawl:closed', ({ reason, stats }) =>
      log.info(
        `closed (${reason}): ${stats.responses} pages, ${stats.items} items, ${stats.failed} failed in ${(stats.elapsedMs / 1000).toFixed(1)} s`,
      ),
    );
}

/** Distinct invalid-item reasons logged per crawl; past it the stats still count them. */
const maxInvalidReasons = 100;

function oneLine(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return `${typeof code === 'string' ? `[${code}] ` : ''}${error.message.split('\n')[0]}`;
}
