/** Turns a spider's `start` (URLs, requests, or a function yielding them) into depth-0 requests. */
import { ConfigError } from '../errors.js';
import { describeValue } from './output.js';
import { createRequest, isRequest, type Request } from './request.js';
import type { Spider } from './spider.js';

export async function startRequests(spider: Spider): Promise<Request[]> {
  const { start } = spider;
  const entries =
    typeof start === 'string' ? [start] : typeof start === 'function' ? start() : start;
  const requests: Request[] = [];
  for await (const entry of entries as
    | AsyncIterable<string | Request>
    | Iterable<string | Request>) {
    if (typeof entry === 'string') requests.push(createRequest(entry));
    else if (isRequest(entry)) requests.push({ ...entry, depth: 0 });
    else {
      throw new ConfigError(
        `spider "${spider.name}": start gave ${describeValue(entry)}, not a URL or a request (request(), createRequest())`,
      );
    }
  }
  return requests;
}
