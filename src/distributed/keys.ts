/**
 * Where a crawl's keys live in Redis. Every key of a crawl starts with a hash tag, `arachne:{crawl}:`, so that the
 * keys one script touches share a Redis Cluster slot; a crawl split into shards has one tag per shard.
 */

/** Where a group of crawls keeps the host turns they share (see `hostTurns`). */
export function hostTurnsPrefix(name: string): string {
  if (!/^[\w.-]{1,100}$/.test(name))
    throw new Error(`invalid host-turns name "${name}" (letters, digits, . _ -)`);
  return `arachne:{turns:${name}}:`;
}

export function crawlPrefix(crawlId: string): string {
  if (!/^[\w.-]{1,100}$/.test(crawlId))
    throw new Error(`invalid crawl id "${crawlId}" (letters, digits, . _ -)`);
  return `arachne:{${crawlId}}:`;
}

/** The key prefix of a crawl's shard: its own hash tag, `{crawl#3}` ('#' is not allowed in a crawl id). */
export function shardPrefix(prefix: string, shard: number): string {
  return shard === 0 ? prefix : `${prefix.slice(0, -2)}#${shard}}:`;
}

/** A SCAN pattern matching every key of a crawl, every shard's included. */
export function crawlKeyPattern(crawlId: string): string {
  return `${crawlPrefix(crawlId).slice(0, -2)}[}#]*`;
}

/** The shard of a host: FNV-1a of its name. */
export function shardOf(host: string, shards: number): number {
  if (shards === 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < host.length; i++) hash = Math.imul(hash ^ host.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % shards;
}
