/** The shop's modes: which pages the server sends as HTML and which it leaves to a script. */
import { ConfigError } from '../errors.js';

export const shopModes = ['static', 'rendered', 'mixed', 'guarded'] as const;
export type ShopMode = (typeof shopModes)[number];

export function isShopMode(value: unknown): value is ShopMode {
  return typeof value === 'string' && (shopModes as readonly string[]).includes(value);
}

export function checkShopMode(mode: unknown): asserts mode is ShopMode {
  if (!isShopMode(mode)) {
    throw new ConfigError(`shop mode must be one of ${shopModes.join(', ')}, got ${String(mode)}`);
  }
}

/** Whether a page of this kind is a skeleton built by its script in this mode. */
export function rendersInBrowser(
  mode: ShopMode,
  kind: 'home' | 'category' | 'product' | 'info',
): boolean {
  if (mode === 'rendered') return true;
  if (mode === 'mixed') return kind === 'home' || kind === 'category';
  return false;
}
