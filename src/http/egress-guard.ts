/** The egress guard (SSRF): refuses connections to private and internal addresses, checked at connect time. */
import dns, { type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction, type Socket } from 'node:net';
import type { buildConnector } from 'undici';
import { ConfigError, EgressDeniedError } from '../errors.js';

/** Where the transport may connect to. */
export interface EgressOptions {
  /**
   * Let connections reach private, loopback, link-local, CGNAT, multicast and reserved addresses. CLI crawls of
   * localhost need this; API jobs set it to false. @default true
   */
  allowPrivate: boolean;
  /**
   * Addresses or CIDR ranges (`10.1.2.3`, `10.0.0.0/8`, `fd00::/8`) reachable even when `allowPrivate` is
   * false: an internal proxy, a test server. @default []
   */
  allow?: readonly string[];
}

/** [address, prefix length] of the IPv4 ranges that are not the public internet. */
const PRIVATE_V4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, including the 169.254.169.254 cloud metadata service
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, up to and including 255.255.255.255
];

const PRIVATE_V6: ReadonlyArray<readonly [string, number]> = [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form ::a.b.c.d
  // IPv4-translated (RFC 2765, ::ffff:0:a.b.c.d): only meaningful inside an SIIT network, never a public
  // target, so blocked whatever the embedded IPv4 is.
  ['::ffff:0:0:0', 96],
  // Local-use NAT64 (RFC 8215): the translator and what it reaches are the operator's own network.
  ['64:ff9b:1::', 48],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
];

/**
 * IPv6 forms that carry an IPv4 address, as [prefix, bits before the IPv4 part]: mapped (::ffff:a.b.c.d),
 * NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:AABB:CCDD::). A private IPv4 inside any of them is private too; a
 * public one stays reachable (well-known NAT64 is how IPv6-only hosts reach the IPv4 internet).
 */
const V4_CARRIERS: ReadonlyArray<readonly [(hex: string) => string, number]> = [
  [(hex) => `::ffff:${hex}`, 96],
  [(hex) => `64:ff9b::${hex}`, 96],
  [(hex) => `2002:${hex}::`, 16],
];

const privateRanges = buildPrivateRanges();

function buildPrivateRanges(): BlockList {
  const list = new BlockList();
  for (const [address, prefix] of PRIVATE_V4) {
    list.addSubnet(address, prefix, 'ipv4');
    const hex = v4ToHexGroups(address);
    for (const [carrier, offset] of V4_CARRIERS) {
      list.addSubnet(carrier(hex), offset + prefix, 'ipv6');
    }
  }
  for (const [address, prefix] of PRIVATE_V6) list.addSubnet(address, prefix, 'ipv6');
  return list;
}

/** `127.0.0.0` → `7f00:0`: the two IPv6 groups holding an IPv4 address. */
function v4ToHexGroups(address: string): string {
  const [a = 0, b = 0, c = 0, d = 0] = address.split('.').map(Number);
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/**
 * True for an IP address that is not on the public internet: loopback, private, link-local (cloud metadata),
 * CGNAT, multicast, reserved, IPv6 forms embedding one of those (mapped, NAT64, 6to4), and the whole
 * IPv4-translated (::ffff:0:0:0/96) and local-use NAT64 (64:ff9b:1::/48) ranges. Brackets and a zone
 * (`fe80::1%eth0`) are accepted. A host name is not an address: false.
 */
export function isPrivateAddress(ip: string): boolean {
  const address = bareAddress(ip);
  const family = isIP(address);
  if (family === 0) return false;
  return privateRanges.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** `[::1]` → `::1`, `fe80::1%eth0` → `fe80::1`. */
function bareAddress(ip: string): string {
  const unbracketed = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const zone = unbracketed.indexOf('%');
  return zone === -1 ? unbracketed : unbracketed.slice(0, zone);
}

/** Decides per address; built once per transport from its EgressOptions. */
export class EgressGuard {
  readonly #exceptions = new BlockList();

  /** @throws ConfigError for an `allow` entry that is not an address or a CIDR range. */
  constructor(options: EgressOptions) {
    for (const entry of options.allow ?? []) addException(this.#exceptions, entry);
  }

  /** True when a connection to this address must be refused; anything that is not an IP is refused too. */
  denies(ip: string): boolean {
    const address = bareAddress(ip);
    const family = isIP(address);
    if (family === 0) return true;
    if (this.#exceptions.check(address, family === 4 ? 'ipv4' : 'ipv6')) return false;
    return isPrivateAddress(address);
  }

  /**
   * Wraps a resolver so that it only ever yields allowed addresses: net connects to what the lookup returns,
   * so a name that resolves (or re-resolves, DNS rebinding) to a private address cannot be reached. The base
   * lookup is always called with `all: true`.
   */
  lookup(base: LookupFunction = dns.lookup): LookupFunction {
    return (hostname, options, callback) => {
      base(hostname, { ...options, all: true }, (error, result, family) => {
        if (error) return callback(error, '');
        const found: LookupAddress[] =
          typeof result === 'string'
            ? [{ address: result, family: family ?? isIP(result) }]
            : result;
        const allowed = found.filter((entry) => !this.denies(entry.address));
        const first = allowed[0];
        if (first === undefined) {
          const refused = found[0]?.address ?? '';
          return callback(new EgressDeniedError(hostname, refused), '');
        }
        if (options.all) callback(null, allowed);
        else callback(null, first.address, first.family);
      });
    };
  }

  /**
   * Wraps undici's connector: an IP literal host is checked before any socket exists (no lookup happens for
   * it), and every established socket's peer address is checked again before undici may write to it.
   */
  connector(base: buildConnector.connector): buildConnector.connector {
    // At runtime undici's connector returns the socket (its .d.ts says void); timings listen to it.
    const connect = base as unknown as (
      ...args: Parameters<buildConnector.connector>
    ) => Socket | undefined;
    const guarded = (
      options: buildConnector.Options,
      callback: buildConnector.Callback,
    ): Socket | undefined => {
      const host = bareAddress(options.hostname);
      if (isIP(host) !== 0 && this.denies(host)) {
        process.nextTick(callback, new EgressDeniedError(host, host), null);
        return undefined;
      }
      return connect(options, (error, socket) => {
        if (error !== null || socket === null)
          return callback(error ?? new Error('no socket'), null);
        const peer = socket.remoteAddress;
        if (peer === undefined || this.denies(peer)) {
          socket.destroy();
          return callback(new EgressDeniedError(host, peer ?? 'an unknown address'), null);
        }
        callback(null, socket);
      });
    };
    return guarded as buildConnector.connector;
  }
}

function addException(list: BlockList, entry: string): void {
  const [address = '', prefix, ...rest] = entry.trim().split('/');
  const family = isIP(address);
  const bits = prefix === undefined ? undefined : Number(prefix);
  const maxBits = family === 6 ? 128 : 32;
  if (
    family === 0 ||
    rest.length > 0 ||
    (bits !== undefined && (!Number.isInteger(bits) || bits < 0 || bits > maxBits || prefix === ''))
  ) {
    throw new ConfigError(`egress allow entry must be an IP address or CIDR range, got "${entry}"`);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) list.addAddress(address, type);
  else list.addSubnet(address, bits, type);
}
