/**
 * Crawl-trap budgets (Heritrix's defaults as the baseline): limits that stop calendars, session ids in paths and
 * endlessly nesting links from eating a crawl, independently of depth and page count.
 */

export interface TrapBudgets {
  /** Longer URLs are dropped. @default 2083 (Heritrix, and old browsers' limit) */
  maxUrlLength: number;
  /** URLs with more path segments are dropped. @default 32 */
  maxPathSegments: number;
  /** A path segment repeated more than this many times in a row or in total marks a trap (`/a/b/a/b/a/b`). @default 3 */
  maxSegmentRepeats: number;
  /** Links kept from one page; the rest are dropped. @default 6000 (Heritrix) */
  maxLinksPerPage: number;
  /** Requests to one host at most. @default Infinity */
  maxPagesPerHost: number;
  /**
   * Pages in a row of one URL template that lead to new URLs while repeating, near enough, a recent page of that
   * template (a calendar's next month, a listing past its end); then the template takes no new URL. @default 30
   */
  maxUnproductivePages: number;
  /** Pages per host whose text repeats an earlier page's and whose links are still followed. @default 10 */
  maxDuplicatePages: number;
}

/** Which budget dropped a request: the key it is counted under in the stats' `trapReasons`. */
export type TrapKind =
  | 'url-length'
  | 'path-segments'
  | 'segment-repeats'
  | 'links-per-page'
  | 'pages-per-host'
  | 'unproductive-template'
  | 'duplicate-content';

export const trapDefaults: TrapBudgets = {
  maxUrlLength: 2083,
  maxPathSegments: 32,
  maxSegmentRepeats: 3,
  maxLinksPerPage: 6000,
  maxPagesPerHost: Number.POSITIVE_INFINITY,
  maxUnproductivePages: 30,
  maxDuplicatePages: 10,
};

/** Why a canonical URL looks like a trap, or undefined when it passes. */
export function trapReason(
  url: string,
  budgets: TrapBudgets,
): { trap: TrapKind; reason: string } | undefined {
  if (url.length > budgets.maxUrlLength)
    return { trap: 'url-length', reason: `URL longer than ${budgets.maxUrlLength} characters` };
  const authority = url.indexOf('//');
  // An opaque URL (data:, or any scheme without `//`) has no path a server could grow: only its length counts.
  if (authority === -1 || authority !== url.indexOf(':') + 1) return undefined;
  const pathStart = url.indexOf('/', authority + 2);
  if (pathStart === -1) return undefined;
  const queryStart = url.indexOf('?', pathStart);
  const path = url.slice(pathStart + 1, queryStart === -1 ? undefined : queryStart);
  if (path === '') return undefined;
  const segments = path.split('/');
  if (segments.length > budgets.maxPathSegments)
    return { trap: 'path-segments', reason: `more than ${budgets.maxPathSegments} path segments` };
  const counts = new Map<string, number>();
  for (const segment of segments) {
    if (segment === '') continue;
    const count = (counts.get(segment) ?? 0) + 1;
    if (count > budgets.maxSegmentRepeats) {
      return {
        trap: 'segment-repeats',
        reason: `path segment "${segment}" repeated more than ${budgets.maxSegmentRepeats} times`,
      };
    }
    counts.set(segment, count);
  }
  return undefined;
}
