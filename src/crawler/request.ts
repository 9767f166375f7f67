/** The crawler's Request: plain JSON data, so it can sit in memory, in SQLite or in Redis and survive a restart. */
import type { HttpRequest } from '../http/request.js';

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface Request extends HttpRequest {
  /** Name of the spider handler that receives the response. */
  handler: string;
  /** The user's payload, carried to the handler as `page.request.data`. */
  data: JsonObject;
  /** Links followed from a start request: 0 for start requests. */
  depth: number;
  /** Higher runs first. @default 0 */
  priority: number;
  /** Failed attempts so far (retries). */
  attempt: number;
}

export interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  handler?: string;
  data?: JsonObject;
  priority?: number;
  depth?: number;
}

export function createRequest(url: string, init: RequestInit = {}): Request {
  const request: Request = {
    url,
    method: (init.method ?? 'GET').toUpperCase(),
    headers: lowerCaseKeys(init.headers ?? {}),
    handler: init.handler ?? 'parse',
    data: init.data ?? {},
    depth: init.depth ?? 0,
    priority: init.priority ?? 0,
    attempt: 0,
  };
  if (init.body !== undefined) request.body = init.body;
  return request;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}
