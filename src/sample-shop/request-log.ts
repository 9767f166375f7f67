/** The shop server's request log: in memory (for `/__log` and tests) and/or appended to a file. */
import { createWriteStream, type WriteStream } from 'node:fs';

export interface RequestLogEntry {
  method: string;
  /** Request target as sent: path plus query. */
  path: string;
  /** Arrival time, ms since the epoch. */
  time: number;
}

export interface RequestLog {
  record(method: string, path: string): void;
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
    record(method, path) {
      const time = Date.now();
      if (options.memory) entries.push({ method, path, time });
      stream?.write(`${time}\t${method}\t${path}\n`);
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
