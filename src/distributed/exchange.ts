/**
 * A worker's exchanges with the Redis frontier, batched: acknowledgements (complete, fail, retry, give back) and
 * requests for new leases wait in a queue and go to Redis together, in one call of the exchange script. At most
 * `depth` calls are in flight: whatever is asked meanwhile goes in the next one (group commit), so the busier the
 * worker, the more each round trip carries, and an idle worker waits for nothing (a call leaves on the next turn of
 * the loop). Two in flight keep Redis busy while the worker reads one reply and fills the next call.
 */

/** One acknowledgement, as the exchange script reads it (see scripts.ts). */
export type Ack =
  | { kind: 'c'; lease: string; items: readonly string[]; children: readonly string[] }
  | { kind: 'f'; lease: string; json: string; error: string }
  | { kind: 'r'; lease: string; json: string; delayMs: number }
  | { kind: 'g'; lease: string };

/** What an acknowledgement came to: 1/0 per child for a completion, 1 for the others, -1 when the lease was lost. */
export type AckResult = readonly number[] | number;

export interface ExchangeReply {
  /** Leased requests: their JSON and lease id. */
  leased: Array<{ json: string; lease: string }>;
  /** How many were asked for. */
  wanted: number;
  /** When fewer were leased than asked: ms until a host is ready or a retry is due, -1 when nothing is. */
  waitMs: number;
  /** False when the crawl's keys were deleted under the worker. */
  alive: boolean;
}

export interface ExchangeOptions {
  /** Runs the exchange script with these arguments (after the fixed ones) and returns its raw reply. */
  run: (want: number, ops: readonly string[]) => Promise<unknown>;
  /**
   * How many leases to ask for now; `asked` is true when someone waits for one (next()). The leases asked for by
   * calls in flight (`pending`) are not counted among the worker's leases yet.
   */
  want: (asked: boolean) => number;
  /** Calls in flight at most. @default 2 */
  depth?: number;
  /** Takes the leases of a reply (before any caller waiting on the call resumes). */
  onReply: (reply: ExchangeReply) => void;
}

interface Pending {
  ack: Ack;
  resolve: (result: AckResult) => void;
  reject: (error: unknown) => void;
}

export class Exchange {
  readonly #options: ExchangeOptions;
  #queue: Pending[] = [];
  /** Callers of lease() waiting for the next call to come back. */
  #askers: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  readonly #inFlight = new Set<Promise<void>>();
  /** Leases asked for by the calls in flight. */
  #pending = 0;
  #scheduled = false;

  constructor(options: ExchangeOptions) {
    this.#options = options;
  }

  /** Leases asked for by the calls in flight. */
  get pending(): number {
    return this.#pending;
  }

  /** Queues an acknowledgement for the next call and resolves with its result. */
  ack(ack: Ack): Promise<AckResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ ack, resolve, reject });
      this.#schedule();
    });
  }

  /** Asks the next call for new leases; resolves once its reply was taken (onReply). */
  lease(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#askers.push({ resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once nothing is queued or in flight. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0 || this.#scheduled) {
      await (this.#inFlight.size > 0
        ? Promise.allSettled(this.#inFlight)
        : new Promise((resolve) => setImmediate(resolve)));
    }
  }

  #schedule(): void {
    // With every call slot taken, the first call back sends the rest.
    if (this.#scheduled || this.#inFlight.size >= (this.#options.depth ?? 2)) return;
    this.#scheduled = true;
    // After this turn's I/O callbacks: the pages that finished in the same turn go together.
    setImmediate(() => {
      this.#scheduled = false;
      this.#send();
    });
  }

  #send(): void {
    const batch = this.#queue;
    const askers = this.#askers;
    this.#queue = [];
    this.#askers = [];
    const want = this.#options.want(askers.length > 0);
    if (batch.length === 0 && want === 0) {
      for (const asker of askers) asker.resolve();
      return;
    }
    const ops: string[] = [];
    for (const { ack } of batch) encode(ack, ops);
    this.#pending += want;
    const call: Promise<void> = this.#options
      .run(want, ops)
      .then(
        (raw) => {
          const [acks, leased, waitMs, alive] = raw as [AckResult[], string[], number, number];
          const reply: ExchangeReply = {
            leased: [],
            wanted: want,
            waitMs: Number(waitMs),
            alive: Number(alive) === 1,
          };
          for (let i = 0; i + 1 < leased.length; i += 2) {
            reply.leased.push({ json: leased[i] as string, lease: String(leased[i + 1]) });
          }
          this.#pending -= want;
          this.#options.onReply(reply);
          for (const [i, pending] of batch.entries()) pending.resolve(acks[i] ?? -1);
          for (const asker of askers) asker.resolve();
        },
        (error: unknown) => {
          this.#pending -= want;
          for (const pending of batch) pending.reject(error);
          for (const asker of askers) asker.reject(error);
        },
      )
      .finally(() => {
        this.#inFlight.delete(call);
        if (this.#queue.length > 0 || this.#askers.length > 0) this.#schedule();
      });
    this.#inFlight.add(call);
  }
}

function encode(ack: Ack, ops: string[]): void {
  switch (ack.kind) {
    case 'c':
      ops.push('c', ack.lease, String(ack.items.length), ...ack.items);
      ops.push(String(ack.children.length / 4), ...ack.children);
      return;
    case 'f':
      ops.push('f', ack.lease, ack.json, ack.error);
      return;
    case 'r':
      ops.push('r', ack.lease, ack.json, String(ack.delayMs));
      return;
    case 'g':
      ops.push('g', ack.lease);
      return;
  }
}
