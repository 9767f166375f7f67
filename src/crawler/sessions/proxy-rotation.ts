/**
 * Proxy rotation (Crawlee's ProxyConfiguration): a list used round-robin, a function of the request, or tiers
 * (`tieredProxyUrls`): every host starts on tier 0 and moves one tier up each time it blocks.
 */
import { parseProxyUrl, redactedProxy } from '../../http/proxy-url.js';
import { hostOf } from '../../url/canonical-url.js';
import type { Session } from './session.js';

/** What a proxy function is told about the request; it returns a proxy URL, or undefined for a direct connection. */
export interface ProxyRequestInfo {
  url: string;
  /** The session the request goes out with, when sessions are on. */
  sessionId?: string;
}

export type ProxyFunction = (request: ProxyRequestInfo) => string | undefined;

export interface ProxyRotationOptions {
  proxies?: readonly string[] | ProxyFunction | undefined;
  proxyTiers?: readonly (readonly string[])[] | undefined;
}

export interface ProxyStats {
  /** Requests sent through each proxy (credentials hidden). */
  requestsByProxy: Record<string, number>;
  /** Hosts above tier 0, with their tier. */
  hostTiers: Record<string, number>;
}

export class ProxyRotation {
  readonly #tiers: readonly (readonly string[])[];
  readonly #fn: ProxyFunction | undefined;
  readonly #turn: number[];
  readonly #hostTier = new Map<string, number>();
  readonly #used = new Map<string, number>();

  /** @throws ConfigError for a malformed proxy URL or an empty tier. */
  constructor(options: ProxyRotationOptions) {
    const { proxies, proxyTiers } = options;
    if (typeof proxies === 'function') {
      this.#fn = proxies;
      this.#tiers = [];
    } else {
      this.#tiers = proxyTiers ?? (proxies && proxies.length > 0 ? [proxies] : []);
    }
    for (const tier of this.#tiers) {
      for (const proxy of tier) parseProxyUrl(proxy);
    }
    this.#turn = this.#tiers.map(() => -1);
  }

  /** False when there is nothing to rotate (no proxies given). */
  get active(): boolean {
    return this.#fn !== undefined || this.#tiers.length > 0;
  }

  /** True when blocks move hosts up tiers (more than one tier). */
  get tiered(): boolean {
    return this.#tiers.length > 1;
  }

  /**
   * The proxy for a request: from the function, or the next in turn in the host's tier. With a session, the
   * session keeps the proxy it got first in each tier (sticky), so its cookies always come from one address.
   * An empty tier (`[]`) means a direct connection.
   */
  proxyFor(url: string, session?: Session): string | undefined {
    let chosen: string | undefined;
    if (this.#fn) {
      chosen = this.#fn({ url, ...(session && { sessionId: session.id }) });
      if (chosen !== undefined) parseProxyUrl(chosen);
    } else if (this.#tiers.length > 0) {
      const tier = this.tierOf(url);
      if (session?.proxies.has(tier)) chosen = session.proxies.get(tier);
      else {
        chosen = this.#nextIn(tier);
        session?.proxies.set(tier, chosen);
      }
    }
    if (chosen !== undefined) {
      const key = redactedProxy(chosen);
      this.#used.set(key, (this.#used.get(key) ?? 0) + 1);
    }
    return chosen;
  }

  /** The tier a host is on now (0 until it blocks). */
  tierOf(url: string): number {
    return this.#hostTier.get(hostOf(url) ?? '') ?? 0;
  }

  /**
   * The host blocked a request sent on tier `from`: its next requests go out on the next tier, if there is one.
   * Blocks of requests sent on a lower tier than the host's current one change nothing, so a burst of blocks
   * moves the host up one tier, not one per request.
   */
  escalate(url: string, from: number): void {
    const host = hostOf(url) ?? '';
    const tier = this.#hostTier.get(host) ?? 0;
    if (from === tier && tier + 1 < this.#tiers.length) this.#hostTier.set(host, tier + 1);
  }

  stats(): ProxyStats {
    return {
      requestsByProxy: Object.fromEntries(this.#used),
      hostTiers: Object.fromEntries([...this.#hostTier].filter(([, tier]) => tier > 0)),
    };
  }

  #nextIn(tier: number): string | undefined {
    const proxies = this.#tiers[tier] ?? [];
    if (proxies.length === 0) return undefined;
    const turn = ((this.#turn[tier] ?? -1) + 1) % proxies.length;
    this.#turn[tier] = turn;
    return proxies[turn];
  }
}
