import { describe, expect, it } from 'vitest';
import { latencyOf } from '../../src/server/progress-tracker.js';

const timing = (totalMs: number) => ({
  dnsMs: 1,
  connectMs: 2,
  tlsMs: 0,
  firstByteMs: totalMs / 2,
  totalMs,
});

describe('latencyOf', () => {
  it('gives nearest-rank p50/p90/p99 of each phase', () => {
    const latency = latencyOf(Array.from({ length: 100 }, (_, i) => timing(i + 1)));
    expect(latency.samples).toBe(100);
    expect(latency.total).toEqual({ p50: 50, p90: 90, p99: 99 });
    expect(latency.firstByte).toEqual({ p50: 25, p90: 45, p99: 49.5 });
    expect(latency.dns).toEqual({ p50: 1, p90: 1, p99: 1 });
    expect(latency.tls).toEqual({ p50: 0, p90: 0, p99: 0 });
  });

  it('is all zeros with no samples, and the sample itself with one', () => {
    expect(latencyOf([]).total).toEqual({ p50: 0, p90: 0, p99: 0 });
    expect(latencyOf([timing(7)]).total).toEqual({ p50: 7, p90: 7, p99: 7 });
  });
});
