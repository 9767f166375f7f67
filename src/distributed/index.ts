/** Crawling on many workers through one Redis ('arachne/distributed'): shared frontier, leases, global politeness. */
export { type ConnectOptions, connectRedis, type RedisClient } from './redis-connection.js';
export {
  bloomSize,
  crawlPrefix,
  hostTurnsPrefix,
  RedisFrontier,
  type RedisFrontierOptions,
} from './redis-frontier.js';
export {
  type CrawlStatus,
  type HostStatus,
  publishStats,
  readCrawlStatus,
  type StatsPublisher,
} from './redis-stats.js';
