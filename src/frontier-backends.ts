/**
 * Registers the frontier backends that ship with Arachne: state files (SQLite) and shared crawls (Redis). The
 * crawler knows only the registry; this module, loaded by the package entry, the CLI and the server, is where
 * the backends are chosen. Each backend loads its driver only when a crawl opens one of its locations.
 */
import { frontierBackends } from './crawler/frontier-registry.js';
import { redisFrontierBackend } from './distributed/backend.js';
import { sqliteFrontierBackend } from './state/backend.js';

frontierBackends.register(sqliteFrontierBackend).register(redisFrontierBackend);

export { frontierBackends };
