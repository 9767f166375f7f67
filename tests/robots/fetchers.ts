// One-hop fetchers for the robots tests, as RobotsCache and collectSitemapUrls take them.
import { request } from 'undici';
import type { RobotsResponse } from '../../src/robots/index.js';

/** One request, no redirects (undici's `request` never follows them), as RobotsCache expects. */
export async function oneHopFetch(url: string): Promise<RobotsResponse> {
  const response = await request(url, { headersTimeout: 5000, bodyTimeout: 5000 });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { status: response.statusCode, headers, body: await response.body.text() };
}

/** Raw bytes of a 2xx response, undefined otherwise (the shape collectSitemapUrls expects). */
export async function bytesFetch(url: string): Promise<Buffer | undefined> {
  const response = await request(url, { headersTimeout: 5000, bodyTimeout: 5000 });
  const body = Buffer.from(await response.body.arrayBuffer());
  return response.statusCode >= 200 && response.statusCode < 300 ? body : undefined;
}
