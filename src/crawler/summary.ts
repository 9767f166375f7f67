/** The end-of-crawl summary printed by the CLI and sent by the server's mail. */
import type { Stats } from './stats.js';

export function summary(stats: Stats): string {
  const statuses = Object.entries(stats.responsesByStatus)
    .map(([status, count]) => `${status}: ${count}`)
    .join(', ');
  const errors = Object.entries(stats.errorsByCode)
    .map(([code, count]) => `${code}: ${count}`)
    .join(', ');
  return [
    `pages fetched   ${stats.responses}${statuses ? ` (${statuses})` : ''}`,
    `items scraped   ${stats.items}${stats.itemsDropped ? ` (${stats.itemsDropped} dropped)` : ''}`,
    ...invalidLine(stats),
    `failed          ${stats.failed}${errors ? ` (${errors})` : ''}`,
    `retries         ${stats.retries}`,
    `robots denied   ${stats.robotsDenied}`,
    ...robotsFetchLine(stats),
    `offsite         ${stats.offsite}`,
    ...(stats.linksFiltered > 0
      ? [`allow/deny      ${stats.linksFiltered} links not followed`]
      : []),
    `duplicates      ${stats.duplicatesFiltered}`,
    ...trapLines(stats),
    // Fetched but without output: with it, pages fetched add up with the records written.
    ...(stats.redirectsToSeen > 0
      ? [`seen redirects  ${stats.redirectsToSeen} (fetched; redirected onto a page seen already)`]
      : []),
    `bytes           ${stats.bytes}`,
    ...(stats.feedMessages !== undefined
      ? [`feed messages   ${stats.feedMessages} (${stats.feedBytes ?? 0} bytes)`]
      : []),
    ...(stats.cacheHits + stats.cacheMisses + stats.cacheRevalidations > 0
      ? [
          `http cache      ${stats.cacheHits} hits, ${stats.cacheMisses} misses, ${stats.cacheRevalidations} revalidated`,
        ]
      : []),
    ...((stats.dnsLookups ?? 0) > 0
      ? [
          `dns             ${stats.dnsLookups} lookups, ${stats.dnsCacheHits} from the cache, ${stats.dnsMs} ms waiting`,
        ]
      : []),
    ...rungLines(stats),
    ...(stats.scriptRequests > 0
      ? [
          `script requests ${stats.scriptRequests}${stats.scriptRequestsRefused ? ` (${stats.scriptRequestsRefused} refused)` : ''}`,
        ]
      : []),
    ...sessionLines(stats),
    ...(stats.tlsInsecure ? ['tls             certificates not verified (insecure)'] : []),
    // A cap or a stop ended the crawl before its frontier was empty: say which.
    ...(stats.closeReason !== undefined && stats.closeReason !== 'finished'
      ? [`closed by       ${stats.closeReason}`]
      : []),
    `elapsed         ${(stats.elapsedMs / 1000).toFixed(2)} s (${stats.pagesPerSecond} pages/s)`,
  ].join('\n');
}

/** Typed items that failed validation, when any: how many were dropped or kept, and by field. */
function invalidLine(stats: Stats): string[] {
  const invalid = stats.invalidItems ?? 0;
  if (invalid === 0) return [];
  const kept = stats.invalidItemsKept ?? 0;
  const fate =
    kept === invalid ? 'kept' : kept === 0 ? 'dropped' : `${invalid - kept} dropped, ${kept} kept`;
  const byField = Object.entries(stats.invalidItemsByField ?? {})
    .sort(([, a], [, b]) => b - a)
    .map(([field, count]) => `${field}: ${count}`)
    .join(', ');
  return [`invalid items   ${invalid} ${fate}${byField ? ` (${byField})` : ''}`];
}

/** robots.txt files that could not be read, when any: their origins were off limits (RFC 9309). */
function robotsFetchLine(stats: Stats): string[] {
  const failures = Object.entries(stats.robotsFetchFailed ?? {});
  if (failures.length === 0) return [];
  const total = failures.reduce((sum, [, count]) => sum + count, 0);
  const byCode = failures.map(([failure, count]) => `${failure}: ${count}`).join(', ');
  return [`robots.txt      ${total} fetch failed (${byCode})`];
}

/** Why a crawl fetched no page at all, in one line; `failed` when its requests failed rather than were denied. */
export interface NoPageVerdict {
  reason: string;
  failed: boolean;
}

/** Undefined when a page was fetched, or when nothing was even tried (no start request). */
export function noPageFetched(stats: Stats): NoPageVerdict | undefined {
  if (stats.responses > 0) return undefined;
  const denied =
    stats.robotsDenied > 0
      ? `robots.txt disallows ${stats.robotsDenied} ${plural(stats.robotsDenied, 'request')}`
      : '';
  if (stats.failed > 0) {
    const codes = Object.entries(stats.errorsByCode)
      .map(([code, count]) => `${code} ×${count}`)
      .join(', ');
    const failed = `${stats.failed} ${plural(stats.failed, 'request')} failed (${codes})`;
    return {
      reason: `no page was fetched: ${[failed, denied].filter(Boolean).join('; ')}`,
      failed: true,
    };
  }
  if (denied) return { reason: `no page was fetched: ${denied}`, failed: false };
  return undefined;
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}

/** Pages per rung, when any page left plain HTTP, and the adaptive ladder's choice per page type. */
function rungLines(stats: Stats): string[] {
  const rungs = Object.entries(stats.pagesByRung);
  const ladder = Object.entries(stats.ladder);
  if (ladder.length === 0 && rungs.every(([rung]) => rung === 'http')) return [];
  const lines = [
    `rungs           ${rungs.map(([rung, count]) => `${rung} ${count}`).join(', ')}; comparison fetches ${stats.comparisonFetches}${stats.speculativeFetches > 0 ? `, speculative fetches not used ${stats.speculativeFetches}` : ''}`,
  ];
  for (const [key, choice] of ladder.sort(([a], [b]) => (a < b ? -1 : 1))) {
    lines.push(
      `  ${key} → ${choice.rung ?? 'learning'} (${choice.compared} compared, ${choice.mismatches} moved up)`,
    );
  }
  return lines;
}

/** Sessions and proxies, when the crawl had them: blocks, the pool's turnover, each proxy's share. */
function sessionLines({ sessions }: Stats): string[] {
  if (sessions === undefined) return [];
  const lines = [`blocked         ${sessions.blocked}`];
  const pool = sessions.sessions;
  if (pool) {
    const { blocked, errors, usage } = pool.retiredBy;
    lines.push(
      `sessions        ${pool.created} created, ${pool.retired} retired (${blocked} blocked, ${errors} errors, ${usage} used up), ${pool.size} live`,
    );
  }
  const proxies = sessions.proxies;
  if (proxies) {
    const used = Object.entries(proxies.requestsByProxy)
      .map(([proxy, count]) => `${proxy}: ${count}`)
      .join(', ');
    const tiers = Object.entries(proxies.hostTiers)
      .map(([host, tier]) => `${host} → tier ${tier}`)
      .join(', ');
    lines.push(`proxies         ${used || 'none used'}${tiers ? `; ${tiers}` : ''}`);
  }
  return lines;
}

/** Requests dropped by crawl-trap budgets, by budget, when any were. */
function trapLines(stats: Stats): string[] {
  if (stats.trapFiltered === 0) return [];
  const reasons = Object.entries(stats.trapsByReason)
    .map(([reason, count]) => `${reason}: ${count}`)
    .join(', ');
  return [`crawl traps     ${stats.trapFiltered}${reasons ? ` (${reasons})` : ''}`];
}
