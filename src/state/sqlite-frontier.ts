/**
 * A frontier in SQLite: queued requests wait on disk, the seen set is the requests table (held in memory as a
 * compact fingerprint set), and a request's completion, its new children and its items commit in one
 * transaction. Killed at any instant, a crawl resumes with nothing lost and no item written twice.
 *
 * Writes are grouped: the changes of many requests commit together every few milliseconds, which keeps the
 * per-page cost low. A crash loses only uncommitted progress, and those requests are simply fetched again.
 */
import type { Statement } from 'better-sqlite3';
import { DelayedRequests } from '../crawler/delayed-requests.js';
import { FingerprintSet } from '../crawler/fingerprint-set.js';
import {
  type Failure,
  type Frontier,
  type Outcome,
  requestFingerprint,
} from '../crawler/frontier.js';
import { HostQueues } from '../crawler/host-queues.js';
import type { ItemSource } from '../crawler/item-export.js';
import type { LadderEntry, LadderStore } from '../crawler/ladder/ladder.js';
import { type Request, reviveRequest } from '../crawler/request.js';
import type { Item } from '../storage/sink.js';
import { createDedupKey, type DedupKey, type DedupRules } from '../url/dedup-key.js';
import { getMeta, openStateDb, type StateDb, setMeta } from './state-db.js';
import { lockStateFile, type StateLock } from './state-lock.js';

enum State {
  Queued = 0,
  Done = 2,
  Failed = 3,
}

export interface SqliteFrontierOptions {
  /** Queued requests kept in memory, ready to hand out. @default 2048 */
  bufferSize?: number;
  /** Put the requests that failed in an earlier run back in the queue. @default false */
  retryFailed?: boolean;
  /** Longest time a change waits before it commits. @default 50 */
  commitEveryMs?: number;
  /**
   * How URL spellings fold together for dedup. Stored in the state file when it is created; a resumed crawl keeps
   * the stored rules (see `dedupRulesChanged`), since other rules would give seen pages other fingerprints.
   * @default the default rules
   */
  dedup?: DedupRules;
}

/** The meta key the dedup rules are stored under. */
const dedupRulesMeta = 'dedup_rules';

export interface StateCounts {
  queued: number;
  done: number;
  failed: number;
  items: number;
}

type Row = { id: number; request: string; priority: number };
type Op =
  | { kind: 'insert'; id: number; fp: bigint; state: State; request: Request | undefined }
  | { kind: 'done'; id: number }
  | { kind: 'fail'; id: number; request: Request; error: string }
  | { kind: 'item'; item: Item };

const maxPending = 512;

export class SqliteFrontier implements Frontier, ItemSource {
  /** Items commit in the same transaction as the request's completion. */
  readonly items: ItemSource = this;
  /** What the adaptive ladder learned, in the state file: a resumed crawl keeps its choices. */
  readonly ladder: LadderStore;
  readonly #delayed = new DelayedRequests();
  readonly db: StateDb;
  readonly #seen: FingerprintSet;
  readonly #buffer = new HostQueues();
  readonly #bufferSize: number;
  /** Row ids of the requests in the buffer or in flight, by fingerprint. */
  readonly #leased = new Map<bigint, number>();
  /** Where the next load continues: queued rows come in (priority desc, id) order. */
  #cursor = { priority: Number.POSITIVE_INFINITY, id: 0 };
  /** Queued rows on disk (or pending) that are not in the buffer yet. */
  #onDisk: number;
  #lastId: number;
  #pending: Op[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #commitEveryMs: number;
  #lock: StateLock | undefined;
  readonly #sql: Record<'insert' | 'done' | 'fail' | 'item' | 'load', Statement>;
  readonly #key: DedupKey;
  /**
   * The rules the state file was started with when they differ from the ones asked for (those are then ignored),
   * for the caller to report; undefined when they agree or the file is new.
   */
  readonly dedupRulesChanged: DedupRules | undefined;

  private constructor(db: StateDb, options: SqliteFrontierOptions) {
    this.db = db;
    const { key, changed } = dedupKeyOf(db, options.dedup ?? {});
    this.#key = key;
    this.dedupRulesChanged = changed;
    this.ladder = sqliteLadderStore(db);
    this.#bufferSize = options.bufferSize ?? 2048;
    this.#commitEveryMs = options.commitEveryMs ?? 50;
    this.#sql = {
      insert: db.prepare(
        'INSERT INTO requests (id, fp, state, priority, url, request) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      done: db.prepare('UPDATE requests SET state = 2, request = NULL WHERE id = ?'),
      fail: db.prepare('UPDATE requests SET state = 3, request = ?, error = ? WHERE id = ?'),
      item: db.prepare('INSERT INTO items (item) VALUES (?)'),
      load: db.prepare(
        `SELECT id, request, priority FROM requests WHERE state = 0 AND (priority < ? OR (priority = ? AND id > ?))
         ORDER BY priority DESC, id LIMIT ?`,
      ),
    };
    if (options.retryFailed) {
      db.exec(
        `UPDATE requests SET state = ${State.Queued}, error = NULL WHERE state = ${State.Failed}`,
      );
    }
    this.#seen = loadSeen(db);
    this.#onDisk = (
      db.prepare('SELECT count(*) AS n FROM requests WHERE state = 0').get() as { n: number }
    ).n;
    this.#lastId = (
      db.prepare('SELECT coalesce(max(id), 0) AS n FROM requests').get() as { n: number }
    ).n;
  }

  static open(path: string, spider: string, options: SqliteFrontierOptions = {}): SqliteFrontier {
    const lock = lockStateFile(path);
    try {
      const frontier = new SqliteFrontier(openStateDb(path, spider), options);
      frontier.#lock = lock;
      return frontier;
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  add(requests: readonly Request[]): Request[] {
    const queued: Request[] = [];
    this.#insert(requests, queued);
    return queued;
  }

  markSeen(request: Request): boolean {
    const fp = requestFingerprint(request, this.#key);
    if (!this.#seen.add(fp)) return false;
    this.#queue({ kind: 'insert', id: ++this.#lastId, fp, state: State.Done, request: undefined });
    return true;
  }

  next(isReady: (host: string) => boolean): Request | undefined {
    this.#delayed.release((request) => this.#buffer.push(request));
    if (this.#buffer.size < this.#bufferSize / 4 && this.#onDisk > 0) this.#load();
    let request = this.#buffer.next(isReady);
    // Every buffered host may be waiting while other hosts wait on disk: widen the window.
    if (!request && this.#onDisk > 0 && this.#buffer.size < this.#bufferSize * 8) {
      this.#load();
      request = this.#buffer.next(isReady);
    }
    return request;
  }

  complete(request: Request, outcome: Outcome): Request[] {
    const queued: Request[] = [];
    this.#insert(outcome.children, queued);
    for (const item of outcome.items) this.#queue({ kind: 'item', item });
    const id = this.#release(request);
    if (id !== undefined) this.#queue({ kind: 'done', id });
    return queued;
  }

  fail(request: Request, failure: Failure): void {
    const id = this.#release(request);
    if (id !== undefined)
      this.#queue({ kind: 'fail', id, request, error: `${failure.code}: ${failure.message}` });
  }

  retry(request: Request, delayMs = 0): void {
    // Stays queued on disk, so a restart during the backoff queues it again.
    this.#delayed.add(request, delayMs);
  }

  size(): number {
    return this.#buffer.size + this.#delayed.size + this.#onDisk;
  }

  /** Commits every pending change now (before items are exported, and at close). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const ops = this.#pending;
    this.#pending = [];
    this.db.transaction(() => {
      for (const op of ops) this.#apply(op);
    })();
  }

  async itemsAfter(cursor: string, limit: number): Promise<Array<{ cursor: string; item: Item }>> {
    if (this.db.open) this.flush();
    return itemsAfter(this.db, Number(cursor || 0), limit).map((row) => ({
      cursor: String(row.id),
      item: row.item,
    }));
  }

  async readMark(key: string): Promise<string | undefined> {
    return getMeta(this.db, key);
  }

  async writeMark(key: string, value: string): Promise<void> {
    setMeta(this.db, key, value);
  }

  counts(): StateCounts {
    this.flush();
    return stateCounts(this.db);
  }

  close(): void {
    if (!this.db.open) return;
    try {
      this.flush();
      this.db.close();
    } finally {
      this.#lock?.release();
    }
  }

  #insert(requests: readonly Request[], queued: Request[]): void {
    for (const request of requests) {
      const fp = requestFingerprint(request, this.#key);
      if (!this.#seen.add(fp)) continue;
      this.#queue({ kind: 'insert', id: ++this.#lastId, fp, state: State.Queued, request });
      this.#onDisk++;
      queued.push(request);
    }
  }

  #release(request: Request): number | undefined {
    const fp = requestFingerprint(request, this.#key);
    const id = this.#leased.get(fp);
    this.#leased.delete(fp);
    return id;
  }

  #queue(op: Op): void {
    this.#pending.push(op);
    if (this.#pending.length >= maxPending) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.#commitEveryMs);
  }

  #apply(op: Op): void {
    const sql = this.#sql;
    switch (op.kind) {
      case 'insert': {
        const { request } = op;
        const json = request ? JSON.stringify(request) : null;
        sql.insert.run(
          op.id,
          BigInt.asIntN(64, op.fp),
          op.state,
          request?.priority ?? 0,
          request?.url ?? '',
          json,
        );
        return;
      }
      case 'done':
        sql.done.run(op.id);
        return;
      case 'fail':
        sql.fail.run(JSON.stringify(op.request), op.error, op.id);
        return;
      case 'item':
        sql.item.run(JSON.stringify(op.item));
        return;
    }
  }

  /** Moves the next queued rows into the buffer. */
  #load(): void {
    this.flush();
    const fromTop = !Number.isFinite(this.#cursor.priority);
    let rows = this.#query(this.#cursor);
    let exhaustive = fromTop && rows.length < this.#bufferSize;
    if (!fromTop && rows.length < this.#bufferSize) {
      // Past the end: go round from the top, for rows queued since with a higher priority.
      const top = this.#query({ priority: Number.POSITIVE_INFINITY, id: 0 });
      exhaustive = top.length < this.#bufferSize;
      rows = rows.concat(top);
    }
    let added = 0;
    for (const row of rows) {
      const request = reviveRequest(row.request);
      const fp = requestFingerprint(request, this.#key);
      if (this.#leased.has(fp)) continue; // in the buffer or in flight already
      this.#leased.set(fp, row.id);
      this.#buffer.push(request);
      added++;
    }
    const last = rows.at(-1);
    this.#cursor = last
      ? { priority: last.priority, id: last.id }
      : { priority: Number.POSITIVE_INFINITY, id: 0 };
    this.#onDisk = exhaustive ? 0 : Math.max(0, this.#onDisk - added);
  }

  #query(after: { priority: number; id: number }): Row[] {
    const top = !Number.isFinite(after.priority);
    const priority = top ? Number.MAX_SAFE_INTEGER : after.priority;
    return this.#sql.load.all(priority, priority, top ? -1 : after.id, this.#bufferSize) as Row[];
  }
}

export function stateCounts(db: StateDb): StateCounts {
  const byState = db
    .prepare('SELECT state, count(*) AS n FROM requests GROUP BY state')
    .all() as Array<{
    state: number;
    n: number;
  }>;
  const count = (state: number) => byState.find((row) => row.state === state)?.n ?? 0;
  const items = (db.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n;
  return {
    queued: count(State.Queued),
    done: count(State.Done),
    failed: count(State.Failed),
    items,
  };
}

function loadSeen(db: StateDb): FingerprintSet {
  const total = (db.prepare('SELECT count(*) AS n FROM requests').get() as { n: number }).n;
  const seen = new FingerprintSet({ initialCapacity: Math.ceil(total / 0.7) + 1024 });
  const rows = db.prepare('SELECT fp FROM requests').raw().safeIntegers();
  for (const [fp] of rows.iterate() as Iterable<[bigint]>) seen.add(BigInt.asUintN(64, fp));
  return seen;
}

/** Items committed after `afterId`, oldest first (the exporter's read). */
export function itemsAfter(
  db: StateDb,
  afterId: number,
  limit: number,
): Array<{ id: number; item: Item }> {
  const rows = db
    .prepare('SELECT id, item FROM items WHERE id > ? ORDER BY id LIMIT ?')
    .all(afterId, limit) as Array<{
    id: number;
    item: string;
  }>;
  return rows.map((row) => ({ id: row.id, item: JSON.parse(row.item) as Item }));
}

function sqliteLadderStore(db: StateDb): LadderStore {
  const get = db.prepare('SELECT entry FROM ladder WHERE key = ?');
  const set = db.prepare(
    'INSERT INTO ladder (key, entry) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET entry = excluded.entry',
  );
  const all = db.prepare('SELECT key, entry FROM ladder');
  return {
    async get(key) {
      const row = get.get(key) as { entry: string } | undefined;
      return row ? (JSON.parse(row.entry) as LadderEntry) : undefined;
    },
    async set(key, entry) {
      set.run(key, JSON.stringify(entry));
    },
    async all() {
      const rows = all.all() as { key: string; entry: string }[];
      return Object.fromEntries(rows.map((row) => [row.key, JSON.parse(row.entry) as LadderEntry]));
    },
  };
}

/**
 * The dedup key of a state file: the stored rules win, since the seen set was built with them. A file new to
 * this store gets `asked`. A file started before rules were stored (its URLs fingerprinted exactly as written)
 * keeps that behaviour, so a resume does not fetch its pages again under new keys.
 */
function dedupKeyOf(
  db: StateDb,
  asked: DedupRules,
): { key: DedupKey; changed: DedupRules | undefined } {
  const stored = getMeta(db, dedupRulesMeta);
  if (stored !== undefined) {
    const rules = JSON.parse(stored) as DedupRules;
    return { key: createDedupKey(rules), changed: sameRules(rules, asked) ? undefined : rules };
  }
  const used = (db.prepare('SELECT count(*) AS n FROM requests').get() as { n: number }).n > 0;
  if (used) return { key: (url) => url, changed: undefined };
  setMeta(db, dedupRulesMeta, JSON.stringify(normalizedRules(asked)));
  return { key: createDedupKey(asked), changed: undefined };
}

function normalizedRules(rules: DedupRules): Required<DedupRules> {
  return {
    keepQueryOrder: rules.keepQueryOrder === true,
    dropParams: [...(rules.dropParams ?? [])],
    keepParams: [...(rules.keepParams ?? [])],
  };
}

function sameRules(a: DedupRules, b: DedupRules): boolean {
  return JSON.stringify(normalizedRules(a)) === JSON.stringify(normalizedRules(b));
}
