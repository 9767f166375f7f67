/**
 * Loads the `redis` client, and repairs what loading it does to string code in the whole process.
 *
 * `@redis/client` declares `class VerbatimString extends String`. Making `String.prototype` the prototype of a class
 * turns it into a dictionary-mode object in V8, and V8 only turns a prototype back into a fast one when a property
 * lookup through an object misses in an inline cache. String method calls never do that (their receivers are
 * primitives), so it stays in dictionary mode, and optimized code can no longer inline a single string method call
 * (`charCodeAt`, `indexOf`, `slice` …): they all become generic property loads. Measured on the crawl's hottest
 * loops, the tokenizer and the duplicate-text hash ran 2–3× slower per character in any process that had loaded the
 * Redis client (docs/benchmarks.md, "Shared crawls on Redis").
 */
export async function loadRedis(): Promise<typeof import('redis')> {
  const redis = await import('redis');
  fastenStringPrototype();
  return redis;
}

/**
 * Looks a property up through an ordinary object whose prototype is `String.prototype`, from a function that has an
 * inline cache: the miss makes V8 turn the prototype back into a fast-mode object. V8 gives a function its inline
 * caches after about eight calls, hence the loop (a few microseconds).
 */
function fastenStringPrototype(): void {
  const probe: object = Object.create(String.prototype);
  for (let i = 0; i < 100; i++) lookUp(probe);
}

function lookUp(probe: object): unknown {
  return (probe as { charCodeAt?: unknown }).charCodeAt;
}
