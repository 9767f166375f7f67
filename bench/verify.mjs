// Checks a run against the shop itself: the server's request log and the items the crawler extracted.

/**
 * @param {object} shop the Shop the server serves (from dist/sample-shop)
 * @param {(shop: object, log: Array<{path: string, blocked?: string}>) => {missing: string[], duplicates: Array<{count: number}>, disallowed: string[], unexpected: string[], api?: {requests: number, distinct: number, expected: number}, blocked?: {rateLimit: number, challenge: number}}} audit
 *   `auditCrawlLog` from dist/sample-shop
 * @param {Array<{method: string, path: string, blocked?: string}>} log the server's log for this run
 * @param {Array<Record<string, unknown>>} extracted items the crawler produced
 * @param {{ refetchAllowed?: boolean, subresourcesAllowed?: boolean }} [options] refetchAllowed: a page fetched
 *   more than once (an adaptive crawler fetching over HTTP, then in a browser) is reported (`duplicateRequests`)
 *   but is not a problem; subresourcesAllowed: the stylesheet and favicon a browser (or jsdom) loads with each
 *   page are counted apart (`subresources`) instead of as unexpected
 */
export function verifyRun(
  shop,
  audit,
  log,
  extracted,
  { refetchAllowed = false, subresourcesAllowed = false } = {},
) {
  // Pages are counted apart from the rendered pages' API calls and the guarded shop's turned-away requests.
  const audited = audit(shop, log);
  const { missing, duplicates, disallowed, api, blocked } = audited;
  const isSubresource = (path) => path.startsWith('/static/') || path === '/favicon.ico';
  const unexpected = subresourcesAllowed
    ? audited.unexpected.filter((path) => !isSubresource(path))
    : audited.unexpected;
  const subresources = audited.unexpected.length - unexpected.length;
  const expected = new Map(shop.expectedItems().map((item) => [item.url, item]));
  let itemsCorrect = 0;
  for (const item of extracted) {
    const want = expected.get(new URL(String(item.url)).pathname);
    const price = Number(String(item.price).replace(/[^0-9.]/g, ''));
    if (want && item.title === want.title && item.sku === want.sku && price === want.price) {
      itemsCorrect++;
    }
  }
  const duplicateRequests = duplicates.reduce((sum, { count }) => sum + count - 1, 0);
  const problems = [];
  if (missing.length > 0) problems.push(`${missing.length} missing`);
  if (duplicateRequests > 0 && !refetchAllowed) problems.push(`${duplicateRequests} duplicate`);
  if (disallowed.length > 0) problems.push(`${disallowed.length} /private/`);
  if (unexpected.length > 0) problems.push(`${unexpected.length} unexpected`);
  if (itemsCorrect !== expected.size || extracted.length !== expected.size) {
    problems.push(`${itemsCorrect}/${expected.size} items ok (${extracted.length} extracted)`);
  }
  // The site's distinct pages the crawl fetched: API calls, robots.txt and turned-away requests left out, a page
  // fetched twice counted once. The rendered bench's pages/s is over these.
  // The realistic shop's spellings of a page (utm_*, reordered query) are that page.
  const canonical = (path) => (shop.canonicalPath ? shop.canonicalPath(path) : path);
  const fetched = new Set(
    log.filter((entry) => !entry.blocked).map((entry) => canonical(entry.path)),
  );
  const distinctPages = shop
    .allowedPaths()
    .filter((path) => path !== '/robots.txt' && fetched.has(path)).length;
  return {
    requests: log.length,
    distinctPages,
    // Only for rendered/mixed and guarded shops, so a static run reports exactly what it always did.
    ...(api
      ? { apiRequests: api.requests, apiDistinct: api.distinct, apiExpected: api.expected }
      : {}),
    ...(blocked ? { rateLimited: blocked.rateLimit, challenged: blocked.challenge } : {}),
    ...(subresourcesAllowed ? { subresources } : {}),
    missing: missing.length,
    duplicateRequests,
    disallowed: disallowed.length,
    unexpected: unexpected.slice(0, 20),
    itemsCorrect,
    itemsExtracted: extracted.length,
    itemsExpected: expected.size,
    check:
      problems.length > 0
        ? problems.join(', ')
        : refetchAllowed && duplicateRequests > 0
          ? `ok (${duplicateRequests} refetched)`
          : 'ok',
  };
}
