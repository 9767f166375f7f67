/** Persistent crawl state in SQLite ('arachne/state' internals): resumable frontier, items, export marks. */
export {
  SqliteFrontier,
  type SqliteFrontierOptions,
  type StateCounts,
  stateCounts,
} from './sqlite-frontier.js';
export { openStateDb, openStateDbReadOnly, type StateDb } from './state-db.js';
