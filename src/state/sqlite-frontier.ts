/**
 * A frontier in SQLite: queued requests wait on disk, the seen set is the requests table (plus a compact
 * in-memory fingerprint set loaded at start), and a request's completion, its new children and its items commit
 * in one transaction. Killed at any instant, a crawl resumes with nothing lost and no item written twice.
 */
import type { Statement } from 'better-sqlite3';
import { FingerprintSet } from '../crawler/fingerprint-set.js';
import { type Failure, type Frontier, type Outcome, requestFingerprint } from '../crawler/frontier.js';
import { HostQueues } from '../crawler/host-queues.js';
import type { Request } from '../crawler/request.js';
import type { Item } from '../storage/sink.js';
import { openStateDb, type StateDb } from './state-db.js';

const enum State {
  Queued = 0,
  Leased = 1,
  Done = 2,
  Failed = 3,
}

export interface SqliteFrontierOptions {
  /** Queued requests kept in memory, ready to hand out. @default 2048 */
  bufferSize?: number;
  /** Put the requests that failed in an earlier run back in the queue. @default false */
  retryFailed?: boolean;
}

export interface StateCounts {
  queued: number;
  done: number;
  failed: number;
  items: number;
}

export class SqliteFrontier implements Frontier {
  readonly storesItems = true;
  readonly db: StateDb;
  readonly #seen: FingerprintSet;
  readonly #buffer = new HostQueues();
  readonly #bufferSize: number;
  /** Queued rows on disk that are not in the buffer; refreshed from SQLite when it runs low. */
  #onDisk: number;
  #seq: number;
  readonly #sql: Record<'insert' | 'setState' | 'done' | 'fail' | 'retry' | 'item' | 'load', Statement>;

  private constructor(db: StateDb, options: SqliteFrontierOptions) {
    this.db = db;
    this.#bufferSize = options.bufferSize ?? 2048;
    this.#sql = {
      insert: db.prepare(
        'INSERT OR IGNORE INTO requests (fp, seq, state, priority, url, request) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      setState: db.prepare('UPDATE requests SET state = ? WHERE fp = ?'),
      done: db.prepare('UPDATE requests SET state = 2, request = NULL WHERE fp = ?'),
      fail: db.prepare('UPDATE requests SET state = 3, request = ?, error = ? WHERE fp = ?'),
      retry: db.prepare('UPDATE requests SET state = 1, request = ? WHERE fp = ?'),
      item: db.prepare('INSERT INTO items (item) VALUES (?)'),
      load: db
        .prepare('SELECT fp, request FROM requests WHERE state = 0 ORDER BY priority DESC, seq LIMIT ?')
        .safeIntegers(),
    };
    db.exec(`UPDATE requests SET state = ${State.Queued} WHERE state = ${State.Leased}`);
    if (options.retryFailed) {
      db.exec(`UPDATE requests SET state = ${State.Queued}, error = NULL WHERE state = ${State.Failed}`);
    }
    this.#seen = loadSeen(db);
    this.#onDisk = (db.prepare('SELECT count(*) AS n FROM requests WHERE state = 0').get() as { n: number }).n;
    this.#seq = (db.prepare('SELECT coalesce(max(seq), 0) AS n FROM requests').get() as { n: number }).n;
  }

  static open(path: string, spider: string, options: SqliteFrontierOptions = {}): SqliteFrontier {
    return new SqliteFrontier(openStateDb(path, spider), options);
  }

  add(requests: readonly Request[]): Request[] {
    const queued: Request[] = [];
    this.db.transaction(() => this.#insert(requests, queued))();
    return queued;
  }

  markSeen(request: Request): boolean {
    const fp = requestFingerprint(request);
    if (!this.#seen.add(fp)) return false;
    this.#sql.insert.run(BigInt.asIntN(64, fp), ++this.#seq, State.Done, 0, request.url, null);
    return true;
  }

  next(isReady: (host: string) => boolean): Request | undefined {
    if (this.#buffer.size < this.#bufferSize / 4 && this.#onDisk > 0) this.#load();
    const request = this.#buffer.next(isReady);
    // Every buffered host may be waiting while other hosts wait on disk: widen the window once.
    if (!request && this.#onDisk > 0 && this.#buffer.size < this.#bufferSize * 8) {
      this.#load();
      return this.#buffer.next(isReady);
    }
    return request;
  }

  complete(request: Request, outcome: Outcome): Request[] {
    const queued: Request[] = [];
    this.db.transaction(() => {
      this.#insert(outcome.children, queued);
      for (const item of outcome.items) this.#sql.item.run(JSON.stringify(item));
      this.#sql.done.run(BigInt.asIntN(64, requestFingerprint(request)));
    })();
    return queued;
  }

  fail(request: Request, failure: Failure): void {
    const fp = BigInt.asIntN(64, requestFingerprint(request));
    this.#sql.fail.run(JSON.stringify(request), `${failure.code}: ${failure.message}`, fp);
  }

  retry(request: Request): void {
    // Into the buffer, and leased on disk with its new attempt count: a restart queues it again.
    this.#sql.retry.run(JSON.stringify(request), BigInt.asIntN(64, requestFingerprint(request)));
    this.#buffer.push(request);
  }

  size(): number {
    return this.#buffer.size + this.#onDisk;
  }

  counts(): StateCounts {
    return stateCounts(this.db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  #insert(requests: readonly Request[], queued: Request[]): void {
    for (const request of requests) {
      const fp = requestFingerprint(request);
      if (!this.#seen.add(fp)) continue;
      this.#sql.insert.run(BigInt.asIntN(64, fp), ++this.#seq, State.Queued, request.priority, request.url, JSON.stringify(request));
      this.#onDisk++;
      queued.push(request);
    }
  }

  /** Moves the next queued rows into the buffer, marking them leased (reset to queued when the state reopens). */
  #load(): void {
    const rows = this.#sql.load.all(this.#bufferSize) as Array<{ fp: bigint; request: string }>;
    if (rows.length === 0) {
      this.#onDisk = 0;
      return;
    }
    this.db.transaction(() => {
      for (const row of rows) this.#sql.setState.run(State.Leased, row.fp);
    })();
    for (const row of rows) this.#buffer.push(JSON.parse(row.request) as Request);
    this.#onDisk -= rows.length;
  }
}

export function stateCounts(db: StateDb): StateCounts {
  const byState = db.prepare('SELECT state, count(*) AS n FROM requests GROUP BY state').all() as Array<{
    state: number;
    n: number;
  }>;
  const count = (state: State) => byState.find((row) => row.state === state)?.n ?? 0;
  const items = (db.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n;
  return { queued: count(State.Queued) + count(State.Leased), done: count(State.Done), failed: count(State.Failed), items };
}

function loadSeen(db: StateDb): FingerprintSet {
  const total = (db.prepare('SELECT count(*) AS n FROM requests').get() as { n: number }).n;
  const seen = new FingerprintSet({ initialCapacity: Math.ceil(total / 0.7) + 1024 });
  const rows = db.prepare('SELECT fp FROM requests').raw().safeIntegers();
  for (const [fp] of rows.iterate() as Iterable<[bigint]>) seen.add(BigInt.asUintN(64, fp));
  return seen;
}

/** Items committed after `afterId`, oldest first (the exporter's read). */
export function itemsAfter(db: StateDb, afterId: number, limit: number): Array<{ id: number; item: Item }> {
  const rows = db.prepare('SELECT id, item FROM items WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as Array<{
    id: number;
    item: string;
  }>;
  return rows.map((row) => ({ id: row.id, item: JSON.parse(row.item) as Item }));
}
