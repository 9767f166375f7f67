/**
 * The parts of undici the transport uses, loaded one by one. undici's index loads every dispatcher, the mock
 * agents, the cache and fetch: over a hundred files, the largest single cost of a crawl's start-up. undici has no
 * "exports" map, so its lib/ files are reachable; the version is pinned in package.json, and the types come from
 * the package's own declarations.
 */
import { createRequire } from 'node:module';
import type {
  buildConnector as BuildConnector,
  Pool as UndiciPool,
  ProxyAgent as UndiciProxyAgent,
} from 'undici';

const require = createRequire(import.meta.url);

// What undici's index does besides exporting: dispatchers get request(), stream(), connect()… (ProxyAgent's
// tunnels call connect() on a Client). Done here too, so a dispatcher behaves as with `import 'undici'`.
const dispatcherClass = require('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
Object.assign(dispatcherClass.prototype, require('undici/lib/api/index.js') as object);

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof UndiciPool;

export const buildConnector = require('undici/lib/core/connect.js') as typeof BuildConnector;

/** Only for proxied crawls: loaded on the first call. */
export function proxyAgentClass(): typeof UndiciProxyAgent {
  return require('undici/lib/dispatcher/proxy-agent.js') as typeof UndiciProxyAgent;
}
