// The server's REST API and WebSocket feed, with the token kept in sessionStorage (see docs/server.md).

const tokenKey = 'arachne.token';

export const token = {
  get: () => sessionStorage.getItem(tokenKey),
  set: (value) => sessionStorage.setItem(tokenKey, value),
  clear: () => sessionStorage.removeItem(tokenKey),
};

/** A JSON error answer of the API: `code` (AR_…), `field` for bad requests. */
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/** Called on any 401: the token is wrong or was rotated. */
let onUnauthorized = () => {};
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

/** Relative to the page, so the dashboard also works below a reverse proxy's path prefix. */
function apiUrl(path) {
  return new URL(path.replace(/^\//, ''), document.baseURI);
}

async function request(method, path, body) {
  const headers = { authorization: `Bearer ${token.get() ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(apiUrl(path), {
    method,
    headers,
    cache: 'no-store',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (response.ok) return response;
  let error = {};
  try {
    error = (await response.json()).error ?? {};
  } catch {
    // not JSON: keep the status line
  }
  if (response.status === 401) onUnauthorized();
  throw new ApiError(
    response.status,
    error.code ?? `HTTP_${response.status}`,
    error.message ?? response.statusText,
    error.field,
  );
}

export async function api(method, path, body) {
  const response = await request(method, path, body);
  return response.status === 204 ? null : response.json();
}

/** Every item of a job as one JSON Lines text, fetched page by page (1000 lines a page). */
export function fetchAllItems(jobId) {
  return fetchAllLines(`api/jobs/${jobId}/items`, 1000);
}

/** The whole log of a job, page by page (5000 lines a page). */
export function fetchWholeLog(jobId) {
  return fetchAllLines(`api/jobs/${jobId}/log`, 5000);
}

/** Lines [offset, offset + limit) of a job's log, and how many it holds. */
export async function fetchLogPage(jobId, offset, limit) {
  const response = await request('GET', `api/jobs/${jobId}/log?offset=${offset}&limit=${limit}`);
  const text = await response.text();
  return {
    lines: text === '' ? [] : text.replace(/\n$/, '').split('\n'),
    total: Number(response.headers.get('x-total-count')),
  };
}

/** Saves the job's export file (its `format`: CSV, JSON, XML or SQLite) under the name the server gives it. */
export async function downloadExport(jobId) {
  const response = await request('GET', `api/jobs/${jobId}/export`);
  const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1];
  saveText(await response.blob(), name ?? `${jobId}-items`, response.headers.get('content-type'));
}

/** Hands `text` (a string or a Blob) to the browser as a file download. */
export function saveText(text, name, type) {
  const url = URL.createObjectURL(text instanceof Blob ? text : new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function fetchAllLines(path, limit) {
  const parts = [];
  let offset = 0;
  for (let page = 0; page < 100_000; page++) {
    const response = await request('GET', `${path}?offset=${offset}&limit=${limit}`);
    parts.push(await response.text());
    const next = Number(response.headers.get('x-next-offset'));
    if (response.headers.get('x-has-more') !== 'true' || !(next > offset)) break;
    offset = next;
  }
  return parts.join('');
}

/**
 * The live feed: connects to /ws with the token as a subprotocol (keeps it out of URLs and logs), re-subscribes
 * after every reconnect, backs off up to 10 s between attempts.
 */
export class LiveFeed {
  #ws = null;
  #subscriptions = new Set();
  #retryMs = 500;
  #timer = null;
  #closed = false;

  constructor({ onMessage, onState }) {
    this.onMessage = onMessage;
    this.onState = onState;
  }

  start() {
    this.#closed = false;
    this.#connect();
  }

  stop() {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#ws?.close();
    this.#ws = null;
  }

  /** `key`: '*' for the job list, `log:<id>` for a job's log lines, else a job id. */
  subscribe(key) {
    this.#subscriptions.add(key);
    this.#send('subscribe', key);
  }

  unsubscribe(key) {
    this.#subscriptions.delete(key);
    this.#send('unsubscribe', key);
  }

  #send(type, key) {
    if (this.#ws?.readyState !== WebSocket.OPEN) return;
    const target =
      key === '*' ? { jobs: '*' } : key.startsWith('log:') ? { log: key.slice(4) } : { job: key };
    this.#ws.send(JSON.stringify({ type, ...target }));
  }

  #connect() {
    const url = apiUrl('ws');
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const secret = token.get() ?? '';
    let ws;
    try {
      ws = new WebSocket(url, ['arachne', `bearer.${secret}`]);
    } catch {
      // A token with characters a subprotocol may not hold (a hand-set ARACHNE_TOKEN): use the query instead.
      url.searchParams.set('token', secret);
      ws = new WebSocket(url, ['arachne']);
    }
    this.#ws = ws;
    this.onState('connecting');
    ws.addEventListener('open', () => {
      this.#retryMs = 500;
      this.onState('live');
      for (const key of this.#subscriptions) this.#send('subscribe', key);
    });
    ws.addEventListener('message', (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      this.onMessage(message);
    });
    ws.addEventListener('close', () => {
      if (this.#ws !== ws || this.#closed) return;
      this.onState('offline');
      this.#timer = setTimeout(() => this.#connect(), this.#retryMs);
      this.#retryMs = Math.min(this.#retryMs * 2, 10_000);
    });
  }
}
