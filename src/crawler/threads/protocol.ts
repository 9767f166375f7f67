/**
 * What the main thread and a handler thread say to each other. Everything here crosses `postMessage`: plain data,
 * plus the response body as a transferable ArrayBuffer (moved, not copied).
 */
import { CrawlError, type ErrorCode, isCrawlError, RetryRequest, StopCrawl } from '../../errors.js';
import type { HttpRequest } from '../../http/request.js';
import type { Timings } from '../../http/response.js';
import type { Item } from '../../storage/sink.js';
import type { Request } from '../request.js';

/** Given to each worker at its start. */
export interface ThreadData {
  /** Absolute path of the spider file the worker loads itself. */
  spiderFile: string;
}

/** A downloaded response as it travels: `body` holds `length` bytes from `offset`. */
export interface WireResponse {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: ArrayBuffer;
  offset: number;
  length: number;
  request: HttpRequest;
  timings: Timings;
  redirects: string[];
}

/** Main → worker: run `request.handler` on this page. */
export interface TaskMessage {
  type: 'task';
  id: number;
  request: Request;
  response: WireResponse;
  linkBudget: number;
  /** Hash the page's visible text for the duplicate-content guard (see url-spaces.ts), sparing the main thread. */
  textHash: boolean;
}

/** An error as it travels: enough to rebuild what the engine decides on (its code, StopCrawl, RetryRequest). */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

/** Worker → main. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'load-failed'; error: WireError }
  | {
      type: 'result';
      id: number;
      /** In the order the handler yielded them, as on the main thread. */
      children: Request[];
      items: Item[];
      /** What the handler threw, if it did; `children` and `items` hold what it yielded before. */
      error?: WireError;
      /** The page's `visibleTextHash`, when asked for, the page is HTML and the handler followed links. */
      textHash?: [number, number];
    };

export function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  return {
    name: error.name,
    message: error.message,
    ...(isCrawlError(error) && { code: error.code }),
    ...(error.stack !== undefined && { stack: error.stack }),
  };
}

/**
 * Rebuilds a worker's error on the main thread. The engine and the retry policy decide by `code` and by the
 * classes of control-flow errors, so those two are rebuilt as such; other crawl errors keep their code and name.
 */
export function fromWire(wire: WireError): Error {
  let error: Error;
  if (wire.code === 'AR_STOP') error = new StopCrawl(wire.message);
  else if (wire.code === 'AR_RETRY') error = new RetryRequest(wire.message);
  else if (wire.code !== undefined) {
    error = new CrawlError(wire.code as ErrorCode, wire.message);
    error.name = wire.name;
  } else {
    error = new Error(wire.message);
    error.name = wire.name;
  }
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}
