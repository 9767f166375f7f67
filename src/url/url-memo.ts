/**
 * A pure function of a URL remembered for the URLs met again. A page links to ~35–60 URLs and most of them are the
 * site's navigation, met on every page: parsing, canonicalising and scoping each again cost about a tenth of a
 * crawl's CPU on the realistic shop.
 *
 * Only a URL met a second time is remembered. Remembering every URL made each one (and its answer) outlive a
 * young-generation collection, so V8 promoted them all and the old generation filled with them between major
 * collections: peak memory of a 50,000-product crawl went from 134 to 171–201 MB. A first sighting leaves only a
 * number (a signature of the URL's length and last characters) in a typed array. The memory is bounded: the
 * remembered URLs are forgotten all at once when full.
 */
const REMEMBERED = 4096;
const SIGNATURES = 8192;

/** Stands for a remembered `undefined`, so that one lookup tells a remembered answer from an unknown URL. */
const UNDEFINED = Symbol('undefined');

export function memoByUrl<T>(compute: (url: string) => T): (url: string) => T {
  const known = new Map<string, T | typeof UNDEFINED>();
  const sighted = new Int32Array(SIGNATURES);
  return (url) => {
    const value = known.get(url);
    if (value !== undefined) return (value === UNDEFINED ? undefined : value) as T;
    const computed = compute(url);
    const signature = signatureOf(url);
    const slot = signature & (SIGNATURES - 1);
    if (sighted[slot] === signature) {
      if (known.size >= REMEMBERED) known.clear();
      known.set(url, computed === undefined ? UNDEFINED : computed);
    } else sighted[slot] = signature;
    return computed;
  };
}

/** A non-zero hash of the length and the last 24 characters (where the URLs of one site differ). */
function signatureOf(url: string): number {
  let hash = Math.imul(url.length, 0x9e3779b1);
  for (let i = Math.max(0, url.length - 24); i < url.length; i++)
    hash = Math.imul(hash ^ url.charCodeAt(i), 0x01000193);
  return hash | 1;
}
