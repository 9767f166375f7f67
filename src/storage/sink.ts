/** Where items go. Every backend passes the shared contract suite in tests/contracts/sink.contract.ts. */

export type Item = Record<string, unknown>;

export interface Sink {
  open(): Promise<void>;
  /** Writes a batch. May buffer; `flush` and `close` make everything durable. */
  write(items: readonly Item[]): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  /**
   * For a file format that always ends with the same bytes (a JSON array's closing bracket), which each batch
   * overwrites as it goes on: a file cut back to an earlier size after a crash gets them written again at its end.
   */
  readonly trailer?: string;
}
