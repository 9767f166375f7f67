// Checks a run against the shop itself: the server's request log and the items the crawler extracted.

/**
 * @param {Array<{method: string, path: string}>} log the server's log for this run
 * @param {{ allowedPaths(): string[], expectedItems(): Array<{url: string, title: string, price: number, sku: string}> }} shop
 * @param {Array<Record<string, unknown>>} extracted items the crawler produced
 */
export function verifyRun(log, shop, extracted) {
  const allowed = new Set(shop.allowedPaths());
  const seen = new Map();
  let privateFetched = 0;
  let other = 0;
  for (const { path } of log) {
    seen.set(path, (seen.get(path) ?? 0) + 1);
    if (path.startsWith('/private/')) privateFetched++;
    else if (!allowed.has(path) && path !== '/robots.txt' && path !== '/sitemap.xml') other++;
  }
  let allowedFetched = 0;
  let duplicates = 0;
  for (const path of allowed) {
    const count = seen.get(path) ?? 0;
    if (count > 0) allowedFetched++;
    if (count > 1) duplicates += count - 1;
  }
  const expected = new Map(shop.expectedItems().map((item) => [item.url, item]));
  let itemsCorrect = 0;
  for (const item of extracted) {
    const want = expected.get(new URL(String(item.url)).pathname);
    const price = Number(String(item.price).replace(/[^0-9.]/g, ''));
    if (want && item.title === want.title && item.sku === want.sku && price === want.price) {
      itemsCorrect++;
    }
  }
  const problems = [];
  if (allowedFetched < allowed.size) problems.push(`${allowed.size - allowedFetched} missing`);
  if (duplicates > 0) problems.push(`${duplicates} duplicate`);
  if (privateFetched > 0) problems.push(`${privateFetched} /private/`);
  if (other > 0) problems.push(`${other} other`);
  if (itemsCorrect < expected.size) problems.push(`${itemsCorrect}/${expected.size} items ok`);
  return {
    requests: log.length,
    allowedPages: allowed.size,
    allowedFetched,
    duplicates,
    privateFetched,
    other,
    itemsCorrect,
    itemsExpected: expected.size,
    check: problems.length === 0 ? 'ok' : problems.join(', '),
  };
}
