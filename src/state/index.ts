/** Persistent crawl state in SQLite ('arachne/state' internals): resumable frontier, items, export marks. */
export { ItemExport } from './item-export.js';
export {
  SqliteFrontier,
  type SqliteFrontierOptions,
  type StateCounts,
  stateCounts,
} from './sqlite-frontier.js';
export { openStateDb, openStateDbReadOnly, type StateDb } from './state-db.js';
