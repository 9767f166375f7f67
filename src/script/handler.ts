/**
 * The `script` rung: a download handler that fetches a page over plain HTTP, runs its scripts in a V8 isolate over
 * a linkedom DOM (see pool.ts) and answers the DOM as the scripts left it, so the handler gets an ordinary Page.
 * Loaded by a dynamic import only when a request asks for it, so a plain crawl never loads isolated-vm or esbuild.
 */
import type { DownloadHandler, FetchContext } from '../crawler/download-handlers/registry.js';
import { createRequest, type Request } from '../crawler/request.js';
import { isCrawlError } from '../errors.js';
import { Response } from '../http/response.js';
import {
  ScriptPool,
  type ScriptPoolOptions,
  type ScriptSubrequest,
  type ScriptSubresponse,
} from './pool.js';

export interface ScriptHandlerOptions extends ScriptPoolOptions {
  /** Fetches the page itself: the plain handler of its scheme (the request has been through the chain already). */
  page: (request: Request, context: FetchContext) => Promise<Response>;
  /** Sends a script's request down the crawl's download chain (robots.txt, scope, egress guard, cookies, cache…). */
  subrequest: (request: Request) => Promise<Response>;
  /** Told of each script request, with the error code when the chain refused it. */
  onSubrequest?: (request: Request, code: string | undefined) => void;
}

export interface ScriptHandler extends DownloadHandler {
  readonly pool: ScriptPool;
  close(): Promise<void>;
}

const HTML = /^\s*(text\/html|application\/xhtml\+xml)\b/i;
// A page may not set what a browser does not let it set either: the chain owns cookies, host and framing.
const FORBIDDEN_HEADER =
  /^(host|cookie|cookie2|content-length|connection|keep-alive|te|trailer|transfer-encoding|upgrade|via|expect|origin|referer|accept-encoding|proxy-.*|sec-.*)$/i;
const FETCHABLE = /^https?:/i;

export function scriptHandler(options: ScriptHandlerOptions): ScriptHandler {
  const pool = new ScriptPool(options);

  async function subrequest(page: Request, sub: ScriptSubrequest): Promise<ScriptSubresponse> {
    if (!FETCHABLE.test(sub.url)) return { error: `scheme not allowed: ${sub.url.slice(0, 100)}` };
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(sub.headers ?? {})) {
      if (!FORBIDDEN_HEADER.test(name)) headers[name] = String(value);
    }
    headers.referer = page.url;
    const request = createRequest(sub.url, {
      method: sub.method,
      headers,
      ...(sub.body !== undefined && { body: sub.body }),
      fetch: 'http',
      depth: page.depth,
    });
    try {
      const response = await options.subrequest(request);
      options.onSubrequest?.(request, undefined);
      return {
        status: response.status,
        url: response.url,
        headers: response.headers,
        body: response.text,
      };
    } catch (error) {
      const code = isCrawlError(error) ? error.code : 'AR_NETWORK';
      options.onSubrequest?.(request, code);
      return { error: `${code}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  return {
    name: 'script',
    pool,
    async fetch(request, context) {
      const response = await options.page(request, context);
      const type = response.headers['content-type'] ?? '';
      // Redirects go back to the chain (the next hop comes here again); non-HTML has no scripts to run.
      if (response.status >= 300 && response.status < 400) return response;
      if (type !== '' && !HTML.test(type)) return response;
      const run = await pool.run(response.text, response.url, (sub) => subrequest(request, sub));
      const headers: Record<string, string> = {
        ...response.headers,
        'content-type': 'text/html; charset=utf-8',
      };
      delete headers['content-length'];
      delete headers['content-encoding'];
      return new Response({
        url: response.url,
        status: response.status,
        headers,
        body: Buffer.from(run.html, 'utf8'),
        request,
        timings: response.timings,
        redirects: response.redirects,
      });
    },
    close: () => pool.close(),
  };
}
