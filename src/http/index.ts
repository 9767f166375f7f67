/** `arachne/http`: the HTTP layer on its own — a client, the transport, middlewares and the retry policy. */
export { type DecodedBody, decodeBody, encodingForLabel } from './charset.js';
export {
  type ClientOptions,
  type CreateClientOptions,
  createClient,
  get,
  type HttpClient,
  post,
  type QueryParams,
} from './client.js';
export { compose, type Middleware, type Next } from './compose.js';
export { DnsCache, type DnsCacheOptions, type DnsPrefer, type DnsStats } from './dns-cache.js';
export { type EgressOptions, isPrivateAddress } from './egress-guard.js';
export { CookieJar, cookies } from './middlewares/cookies.js';
export { type RedirectOptions, redirect } from './middlewares/redirect.js';
export { type RetryOptions, retry } from './middlewares/retry.js';
export { userAgent } from './middlewares/user-agent.js';
export { parseProxyUrl } from './proxy.js';
export { type HttpRequest, type TransportOptions, transportDefaults } from './request.js';
export { type FeedMessage, Response, type ResponseInit, type Timings } from './response.js';
export {
  backoffDelayMs,
  isRetryableError,
  isRetryableStatus,
  MAX_RETRY_AFTER_MS,
  parseRetryAfterMs,
  type RetryPolicy,
  retryDelayMs,
  retryPolicyDefaults,
} from './retry-policy.js';
export {
  createTransport,
  type TlsSettings,
  type Transport,
  type TransportConfig,
} from './transport.js';
// Internals left out on purpose: the exchange handler, the body sink, the timed connector, the error mapping.
