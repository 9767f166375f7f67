/**
 * Frontier backends by location: `memory:` is built in; the package registers `sqlite:` (and state file paths)
 * and `redis://` (src/frontier-backends.ts), and a user may register their own. The crawler only ever sees the
 * Frontier contract, never a backend's module.
 */
import { ConfigError } from '../errors.js';
import { redactUrlsIn } from '../url/redact-url.js';
import { dedupRulesOf, type Frontier, MemoryFrontier } from './frontier.js';
import type { ResolvedOptions } from './options.js';
import type { Stats } from './stats.js';

/** What a backend may use to open a frontier for a crawl. */
export interface FrontierContext {
  /** The spider's name: a persistent frontier refuses one that belongs to another spider. */
  spider: string;
  /** The crawl's resolved options (perHost, delayMs, leaseMs, dedup, retryFailed…). */
  options: ResolvedOptions;
  /** Live stats, for backends that publish them (heartbeats of shared crawls). */
  stats: () => Stats;
  /** Reports something the user should see, as a crawl:warning. */
  warn: (message: string) => void;
}

export interface FrontierBackend {
  /** How the backend's locations look, for error messages: 'redis://HOST:PORT/DB'. */
  readonly describe: string;
  accepts(location: string): boolean;
  open(location: string, context: FrontierContext): Promise<Frontier>;
}

export const memoryFrontierBackend: FrontierBackend = {
  describe: 'memory:',
  accepts: (location) => location === 'memory:',
  open: async (_location, { options }) => new MemoryFrontier({ dedup: dedupRulesOf(options) }),
};

export class FrontierRegistry {
  readonly #backends: FrontierBackend[] = [];

  constructor(backends: readonly FrontierBackend[] = []) {
    for (const backend of backends) this.register(backend);
  }

  /** Adds a backend; the latest registered wins when two accept a location. */
  register(backend: FrontierBackend): this {
    if (!this.#backends.includes(backend)) this.#backends.unshift(backend);
    return this;
  }

  async open(location: string, context: FrontierContext): Promise<Frontier> {
    const backend = this.#backends.find((candidate) => candidate.accepts(location));
    if (!backend) {
      const known = this.#backends.map((candidate) => candidate.describe).join(', ');
      throw new ConfigError(
        `no frontier backend for "${redactUrlsIn(location)}" (known: ${known})`,
      );
    }
    return backend.open(location, context);
  }
}

/** The registry `crawl()` uses. */
export const frontierBackends = new FrontierRegistry([memoryFrontierBackend]);
