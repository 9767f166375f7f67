/** `arachne state show|failed FILE`: what a crawl's state file holds, without changing it. */
import { parseArgs } from 'node:util';
import type { LadderEntry } from '../../crawler/ladder/ladder.js';
import { ConfigError } from '../../errors.js';
import { redactUrl, redactUrlsIn } from '../../url/redact-url.js';

export const stateHelp = `Usage: arachne state <show | failed> FILE

  show FILE     counts of queued, done and failed requests and of items in a state file
  failed FILE   the requests that failed (after their retries), one per line: URL and error
                (run the crawl again with --state FILE --retry-failed to queue them again)`;

export async function stateCommand(
  argv: string[],
  output: { stdout: NodeJS.WritableStream } = process,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  const [action, file] = positionals;
  if (values.help) {
    output.stdout.write(`${stateHelp}\n`);
    return 0;
  }
  if ((action !== 'show' && action !== 'failed') || file === undefined || positionals.length > 2) {
    throw new ConfigError(`usage: arachne state <show | failed> FILE`);
  }
  const { openStateDbReadOnly, stateCounts } = await import('../../state/index.js');
  const db = openStateDbReadOnly(file);
  try {
    if (action === 'show') {
      const counts = stateCounts(db);
      output.stdout.write(
        `queued  ${counts.queued}\ndone    ${counts.done}\nfailed  ${counts.failed}\nitems   ${counts.items}\n`,
      );
      for (const line of ladderLines(db)) output.stdout.write(`${line}\n`);
      return 0;
    }
    const rows = db
      .prepare('SELECT url, error FROM requests WHERE state = 3 ORDER BY id')
      .all() as Array<{
      url: string;
      error: string | null;
    }>;
    // The stored request keeps its credentials (--retry-failed fetches it again); the listing never shows them.
    for (const row of rows) {
      output.stdout.write(`${redactUrl(row.url)}\t${redactUrlsIn(row.error ?? '')}\n`);
    }
    output.stdout.write(`${rows.length} failed\n`);
    return 0;
  } finally {
    db.close();
  }
}

/** The adaptive ladder's choices kept in the file (older files have no ladder table). */
function ladderLines(db: import('better-sqlite3').Database): string[] {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ladder'")
    .get();
  if (!table) return [];
  const rows = db.prepare('SELECT key, entry FROM ladder ORDER BY key').all() as {
    key: string;
    entry: string;
  }[];
  return rows.map((row) => {
    const { rung, compared, mismatches } = JSON.parse(row.entry) as LadderEntry;
    return `ladder  ${row.key} → ${rung ?? 'learning'} (${compared} compared, ${mismatches} moved up)`;
  });
}
