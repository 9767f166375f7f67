// The per-host pool behind the FTP handler: at most `limit` connections per host (busy and idle), reuse by
// credentials, the oldest idle one closed to make room, waiters served in turn, everything closed at the end.
import { describe, expect, it } from 'vitest';
import { ConnectionPool } from '../../src/crawler/download-handlers/connection-pool.js';

class Conn {
  closed = false;
  constructor(readonly id: number) {}
  close(): void {
    this.closed = true;
  }
}

function opener() {
  const made: Conn[] = [];
  return { made, open: async () => made[made.push(new Conn(made.length)) - 1] as Conn };
}

describe('ConnectionPool', () => {
  it('reuses an idle connection with the same key and never exceeds the limit per host', async () => {
    const pool = new ConnectionPool<Conn>(2);
    const { made, open } = opener();
    const a = await pool.acquire('h', 'k', open);
    const b = await pool.acquire('h', 'k', open);
    let third: Conn | undefined;
    const waiting = pool.acquire('h', 'k', open).then((lease) => {
      third = lease.client;
      return lease;
    });
    await Promise.resolve();
    expect(third).toBeUndefined(); // two busy: the third waits
    a.release(true);
    const c = await waiting;
    expect(c.client).toBe(a.client);
    // Another host has its own slots.
    const other = await pool.acquire('g', 'k', open);
    expect(made).toHaveLength(3);
    for (const lease of [b, c, other]) lease.release(true);
    pool.close();
    expect(made.every((conn) => conn.closed)).toBe(true);
  });

  it('closes the oldest idle connection to open one for other credentials at the limit', async () => {
    const pool = new ConnectionPool<Conn>(1);
    const { made, open } = opener();
    (await pool.acquire('h', 'alice', open)).release(true);
    const bob = await pool.acquire('h', 'bob', open);
    expect(made.map((conn) => conn.closed)).toEqual([true, false]);
    bob.release(false); // not reusable: closed, not kept
    expect(made[1]?.closed).toBe(true);
    pool.close();
  });

  it('frees the slot when opening fails, and refuses requests once closed', async () => {
    const pool = new ConnectionPool<Conn>(1);
    await expect(
      pool.acquire('h', 'k', async () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    const { open } = opener();
    const lease = await pool.acquire('h', 'k', open);
    const waiting = pool.acquire('h', 'k', open);
    pool.close();
    await expect(waiting).rejects.toMatchObject({ code: 'AR_NETWORK' });
    expect(lease.client.closed).toBe(true);
    lease.release(true);
  });
});
