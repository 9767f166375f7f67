/** Tells requests from items among a handler's outputs, without changing what requests serialise to. */

import { createRequest, type Request, type RequestInit } from './request.js';
import type { Output } from './spider.js';

// Non-enumerable, so JSON.stringify(request) stays plain data.
const requestMark = Symbol.for('arachne.request');

export function markRequest(request: Request): Request {
  Object.defineProperty(request, requestMark, { value: true, enumerable: false });
  return request;
}

export function isRequest(output: Output): output is Request {
  return requestMark in output;
}

/** Makes a request a handler can yield, for URLs that do not come from the page (APIs, search forms…). */
export function request(url: string, init?: RequestInit): Request {
  return markRequest(createRequest(url, init));
}
