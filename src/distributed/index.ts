/** Crawling on many workers through one Redis ('arachne/distributed'): shared frontier, leases, global politeness. */
export { crawlKeyPattern, crawlPrefix, hostTurnsPrefix } from './keys.js';
export {
  type ConnectOptions,
  connectRedis,
  deleteKeys,
  isCluster,
  type RedisClient,
} from './redis-connection.js';
export {
  bloomSize,
  clusterShards,
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
