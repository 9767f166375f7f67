// Types of redis-cluster.mjs, for the tests that start a cluster with it.
export interface ClusterNode {
  id: string;
  port: number;
  role: 'master' | 'replica';
  /** A master's slot ranges, [from, to]. */
  slots: Array<[number, number]>;
  /** A replica's master. */
  masterId: string | undefined;
}

export interface RedisClusterProcess {
  /** The seed URL a crawl is given: the first node (with the password, if any). */
  url: string;
  ports: number[];
  /** The cluster as its first node sees it now (CLUSTER NODES). */
  nodes(): Promise<ClusterNode[]>;
  /** Runs one command on the node at `port`. */
  command(port: number, args: string[]): Promise<unknown>;
  /** Resolves once every node sees every slot served and every replica is in sync. */
  settled(): Promise<void>;
  info(port: number): Promise<Record<string, string | number>>;
  /** Kills the node at `port` (SIGKILL: a crash) and waits for it to be gone. */
  kill(port: number): Promise<void>;
  close(): Promise<void>;
}

export function redisClusterTools(): Promise<void>;
export function startRedisCluster(options?: {
  masters?: number;
  replicas?: number;
  /** Every node requires it; `url` carries it. */
  password?: string;
}): Promise<RedisClusterProcess>;
