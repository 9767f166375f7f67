/** `arachne cache ls|clear <URI|DIR>`: inspects or empties an HTTP cache (SQLite directory/file, Redis, Memcached). */
import { parseArgs } from 'node:util';
import { openCache } from '../../cache/open-cache.js';
import type { CacheStore } from '../../cache/store.js';
import { isCrawlError } from '../../errors.js';
import { redactUrl } from '../../url/redact-url.js';
import type { CommandOutput } from './fetch.js';

export const cacheHelp = `Usage: arachne cache <ls | clear> <DIR | FILE.sqlite | sqlite:PATH | redis://… | memcache://…>

Inspects or empties the HTTP cache a crawl wrote with --cache.

Commands:
  ls      one line per stored response: status, body bytes, stored-at (UTC), URL; then a count
  clear   removes every entry of that cache and prints how many were removed

Locations:
  DIR                        DIR/http-cache.sqlite
  FILE.sqlite, sqlite:PATH   that SQLite file
  redis://host:6379/0?prefix=P        the keys under prefix P (default arachne:http-cache:)
  memcache://host:11211?prefix=P      the entries this cache indexed (Memcached cannot list keys:
                                      entries whose index was evicted are not seen)

Options:
  -h, --help   show this help

Exit codes: 0 done, 1 the cache could not be read or written, 2 bad usage or no cache there.`;

const flags = { help: { type: 'boolean', short: 'h' } } as const;

export async function cacheCommand(
  argv: string[],
  output: CommandOutput = process,
): Promise<number> {
  const fail = (code: number, message: string): number => {
    output.stderr.write(`arachne cache: ${message}\n`);
    return code;
  };
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof flags; allowPositionals: true }>
  >;
  try {
    parsed = parseArgs({ args: argv, options: flags, allowPositionals: true });
  } catch (error) {
    return fail(2, firstLine(error));
  }
  if (parsed.values.help) {
    output.stdout.write(`${cacheHelp}\n`);
    return 0;
  }
  const [action, location, ...extra] = parsed.positionals;
  if (action !== 'ls' && action !== 'clear') {
    return fail(
      2,
      action === undefined
        ? 'ls or clear expected (see arachne cache --help)'
        : `unknown action "${action}" (ls or clear)`,
    );
  }
  if (location === undefined)
    return fail(2, `${action} needs a cache location (see arachne cache --help)`);
  if (extra.length > 0) return fail(2, `one cache location at a time (got ${extra.length + 1})`);

  let store: CacheStore;
  try {
    store = await openCache(location, { create: false });
  } catch (error) {
    return fail(isCrawlError(error) && error.code === 'AR_CONFIG' ? 2 : 1, firstLine(error));
  }
  try {
    if (action === 'ls') await list(store, output);
    else
      output.stdout.write(
        `${plural(await store.clear(), 'entry', 'entries')} removed from ${location}\n`,
      );
    return 0;
  } catch (error) {
    return fail(1, firstLine(error));
  } finally {
    await store.close().catch(() => {});
  }
}

async function list(store: CacheStore, output: CommandOutput): Promise<void> {
  let count = 0;
  let bytes = 0;
  for await (const entry of store.list()) {
    count++;
    bytes += entry.bytes;
    const storedAt = new Date(entry.storedAt).toISOString();
    // An entry keeps the URL as fetched, credentials included: the listing shows it without them.
    output.stdout.write(
      `${entry.status}  ${String(entry.bytes).padStart(10)}  ${storedAt}  ${redactUrl(entry.url)}\n`,
    );
  }
  output.stdout.write(`${plural(count, 'entry', 'entries')}, ${plural(bytes, 'byte', 'bytes')}\n`);
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
