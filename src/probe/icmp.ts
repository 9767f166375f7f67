/**
 * The ICMP step of `arachne probe`: echo round trips through the system's `ping`, which holds the capability (or
 * the ping group) that raw ICMP sockets need; Node has no ICMP socket of its own. Where neither is granted the result
 * says so instead of failing the probe.
 */
import { execFile } from 'node:child_process';

export interface IcmpResult {
  address: string;
  /** False when this machine does not let us send ICMP echo (no ping, no permission). */
  permitted: boolean;
  /** Round-trip times of the replies, in ms. */
  rttMs: number[];
  sent: number;
  received: number;
  /** Why ICMP was not permitted or ping failed. */
  reason?: string;
}

export function probeIcmp(address: string, count = 3, timeoutMs = 5000): Promise<IcmpResult> {
  const family = address.includes(':') ? '-6' : '-4';
  const args = [family, '-n', '-c', String(count), '-i', '0.2', '-W', '1', address];
  return new Promise((resolve) => {
    execFile('ping', args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      const rttMs = [...stdout.matchAll(/time[=<]([\d.]+) ?ms/g)].map((match) => Number(match[1]));
      const summary = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(stdout);
      const sent = summary ? Number(summary[1]) : 0;
      const received = summary ? Number(summary[2]) : rttMs.length;
      if (summary) {
        resolve({ address, permitted: true, rttMs, sent, received });
        return;
      }
      const why = (stderr || (error?.message ?? '')).trim().split('\n')[0] ?? '';
      const missing = (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
      resolve({
        address,
        permitted: false,
        rttMs,
        sent,
        received,
        reason: missing
          ? 'no ping command on this machine (Debian package iputils-ping)'
          : `ICMP echo is not permitted here: ${why || 'ping failed'}`,
      });
    });
  });
}
