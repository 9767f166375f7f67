/** A feed's field list: every item reaches the sink with only these fields, in this order. */
import type { Item, Sink } from './sink.js';

/**
 * Wraps a sink so each item carries exactly `fields`, in order: a field the item lacks is present as null (an empty
 * CSV cell, null in JSON: the key is never missing), other fields are dropped. Since the keys come in the list's order, the
 * list is also the CSV header.
 */
export class FieldsSink implements Sink {
  readonly trailer?: string;

  constructor(
    private readonly inner: Sink,
    private readonly fields: readonly string[],
  ) {
    if (inner.trailer !== undefined) this.trailer = inner.trailer;
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  write(items: readonly Item[]): Promise<void> {
    return this.inner.write(items.map((item) => this.#pick(item)));
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  #pick(item: Item): Item {
    const picked: Item = {};
    for (const field of this.fields) picked[field] = item[field] ?? null;
    return picked;
  }
}
