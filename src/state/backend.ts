/**
 * The SQLite frontier backend: `sqlite:PATH`, or a path ending in .db, .sqlite or .sqlite3 (what `--state FILE`
 * opens). better-sqlite3 loads only when a crawl opens one.
 */
import type { Frontier } from '../crawler/frontier.js';
import { dedupRulesOf } from '../crawler/frontier.js';
import type { FrontierBackend, FrontierContext } from '../crawler/frontier-registry.js';

const prefix = 'sqlite:';

export const sqliteFrontierBackend: FrontierBackend = {
  describe: 'sqlite:PATH (or a PATH ending in .db, .sqlite, .sqlite3)',
  accepts: (location) =>
    location.startsWith(prefix) ||
    (!/^[a-z][a-z0-9+.-]+:/i.test(location) && /\.(db|sqlite3?)$/i.test(location)),
  async open(location: string, { spider, options, warn }: FrontierContext): Promise<Frontier> {
    const path = location.startsWith(prefix) ? location.slice(prefix.length) : location;
    const { SqliteFrontier } = await import('./sqlite-frontier.js');
    const frontier = SqliteFrontier.open(path, spider, {
      retryFailed: options.retryFailed,
      dedup: dedupRulesOf(options),
    });
    const stored = frontier.dedupRulesChanged;
    if (stored) {
      warn(
        `${path} was started with other dedup rules (keepQueryOrder ${stored.keepQueryOrder}, dropParams [${stored.dropParams?.join(',')}], keepParams [${stored.keepParams?.join(',')}]); resuming with those, a new state file takes the new ones`,
      );
    }
    const counts = frontier.counts();
    if (counts.done + counts.queued + counts.failed > 0) {
      warn(
        `resuming from ${path}: ${counts.done} done, ${counts.queued} queued, ${counts.failed} failed, ${counts.items} items`,
      );
    }
    return frontier;
  },
};
