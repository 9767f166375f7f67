/**
 * A pure function of a URL remembered for the URLs met lately. A page links to ~35–60 URLs and most of them are
 * the site's navigation, met on every page: parsing, canonicalising and scoping each again cost about a tenth of a
 * crawl's CPU on the realistic shop. The memory is bounded (forgotten all at once when full), so a crawl of
 * millions of distinct URLs pays one lookup more per link and nothing else.
 */
const REMEMBERED = 4096;

export function memoByUrl<T>(compute: (url: string) => T): (url: string) => T {
  const known = new Map<string, T>();
  return (url) => {
    let value = known.get(url);
    if (value === undefined && !known.has(url)) {
      value = compute(url);
      if (known.size >= REMEMBERED) known.clear();
      known.set(url, value);
    }
    return value as T;
  };
}
