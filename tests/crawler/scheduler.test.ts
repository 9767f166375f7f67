// The scheduler's wake-ups against real timers: a retry must wake the engine once the frontier releases it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Scheduler } from '../../src/crawler/scheduler.js';
import { createRequest, MemoryFrontier, type Request } from '../../src/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a retry', () => {
  it('wakes the engine again when its timer fires before Date.now() reaches the due time', async () => {
    // Node's timers run on the monotonic clock in whole milliseconds, the frontier's due times on Date.now(): a
    // timer may fire a millisecond before Date.now() reaches the due time (measured: 32 of 3,000 five-millisecond
    // retries). A wake-up then found nothing to lease and nothing woke the engine again: the crawl hung. Here
    // Date.now() stands still a millisecond short of the due time until the timer has fired.
    let clock = 1_000_000;
    vi.spyOn(Date, 'now').mockImplementation(() => clock);
    const scheduler = new Scheduler(new MemoryFrontier(), { perHost: 1, delayMs: 0 });
    await scheduler.add([createRequest('http://127.0.0.1:1/a')]);
    const leased = await scheduler.next();
    if (!leased) throw new Error('nothing leased');
    scheduler.release(leased);

    let emptyWakes = 0;
    let timerFired!: () => void;
    const firedEarly = new Promise<void>((resolve) => {
      timerFired = resolve;
    });
    const retried = new Promise<Request>((resolve) => {
      scheduler.onWake = () =>
        void scheduler.next().then((request) => {
          if (request) resolve(request);
          else emptyWakes++;
        });
    });
    await scheduler.retry({ ...leased, attempt: 1 }, 5);
    clock += 4;
    // Let the 5 ms timer fire while Date.now() still reads 1 ms short, then let the clock reach the due time.
    setTimeout(timerFired, 20);
    await firedEarly;
    clock += 1;
    const guard = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2_000));
    const again = await Promise.race([retried, guard]);
    scheduler.close();
    expect(again?.attempt).toBe(1);
    expect(emptyWakes).toBe(0);
  });
});
