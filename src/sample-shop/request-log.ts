/** The shop server's request log: in memory (for `/__log` and tests) and/or appended to a file. */
import { createWriteStream, type WriteStream } from 'node:fs';

export interface RequestLogEntry {
  method: string;
  /** Request target as sent: path plus query. */
  path: string;
  /** Arrival time, ms since the epoch. */
  time: number;
  /** Set only when the guarded shop turned the request away instead of serving the resource. */
  blocked?: 'rate-limit' | 'challenge';
}

export interface RequestLog {
  record(method: string, path: string, blocked?: RequestLogEntry['blocked']): void;
  entries(): RequestLogEntry[];
  clear(): void;
  close(): Promise<void>;
}

export function createRequestLog(options: { memory: boolean; file?: string }): RequestLog {
  let entries: RequestLogEntry[] = [];
  const stream: WriteStream | undefined = options.file
    ? createWriteStream(options.file, { flags: 'a' })
    : undefined;
  return {
    record(method, path, blocked) {
      const time = Date.now();
      if (options.memory)
        entries.push(blocked ? { method, path, time, blocked } : { method, path, time });
      // A fourth column only for blocked requests, so the lines of a static shop keep their format.
      stream?.write(`${time}\t${method}\t${path}${blocked ? `\t${blocked}` : ''}\n`);
    },
    entries: () => entries.slice(),
    clear() {
      entries = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (stream) stream.end(resolve);
        else resolve();
      }),
  };
}
