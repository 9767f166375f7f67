/** Messages between startShopServer (parent) and the forked shop server process (child). */
import type { GenerateShopOptions } from './generate.js';
import type { GuardOptions } from './guard.js';
import type { CacheSetting } from './page-cache.js';

/** Passed to the child as JSON in argv[2]. */
export interface ChildConfig extends GenerateShopOptions {
  /** The loopback address to listen on: 127.0.0.2, 127.0.0.3… give one machine several hosts. @default '127.0.0.1' */
  host?: string;
  port?: number;
  delayMs?: number;
  logRequests?: boolean;
  logFile?: string;
  cache?: CacheSetting;
  guard?: GuardOptions;
}

export type ParentMessage = { type: 'log' | 'reset' | 'stats'; id: number };

export type ChildMessage =
  | { type: 'ready'; origin: string; port: number }
  | { type: 'reply'; id: number; value: unknown }
  | { type: 'failed'; message: string };

export function isChildMessage(value: unknown): value is ChildMessage {
  return typeof value === 'object' && value !== null && 'type' in value;
}

export function isParentMessage(value: unknown): value is ParentMessage {
  return typeof value === 'object' && value !== null && 'type' in value && 'id' in value;
}
