/** Calls `onIdle` once `ms` have passed since `start()` with no `stop()` in between; `ms` 0 turns it off. */
export class IdleTimer {
  #timer: NodeJS.Timeout | undefined;
  readonly #ms: number;
  readonly #onIdle: () => Promise<void>;

  constructor(ms: number, onIdle: () => Promise<void>) {
    this.#ms = ms;
    this.#onIdle = onIdle;
  }

  start(): void {
    if (this.#ms <= 0) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#onIdle();
    }, this.#ms);
    // An idle browser must not keep the process alive: the crawl's end closes it anyway.
    this.#timer.unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
