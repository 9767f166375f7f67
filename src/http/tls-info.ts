/**
 * What a TLS connection negotiated and what the peer showed: protocol, cipher, ALPN, whether the chain verified, and
 * each certificate of the chain with its expiry. Shared by `arachne fetch` (https URLs) and `arachne probe`.
 */
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';

const DAY_MS = 86_400_000;

/** One certificate of the chain the peer sent, leaf first. */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  /** As the certificate says: `Jan  1 00:00:00 2026 GMT`. */
  validFrom: string;
  validTo: string;
  /** Whole days until `validTo` (negative once expired). */
  daysLeft: number;
  /** DNS and IP names of the subjectAltName extension. */
  altNames: string[];
  serialNumber: string;
  fingerprint256: string;
}

/** The handshake's outcome on one socket. */
export interface TlsInfo {
  /** `TLSv1.3`, `TLSv1.2`…; null before the handshake. */
  protocol: string | null;
  cipher: string;
  /** The protocol ALPN chose (`h2`, `http/1.1`), or false when none was negotiated. */
  alpn: string | false;
  /** Whether the chain verified against the trusted CAs. */
  authorized: boolean;
  /** Why it did not (`CERT_HAS_EXPIRED`, `SELF_SIGNED_CERT_IN_CHAIN`…). */
  authorizationError?: string;
  chain: CertificateInfo[];
}

/** Describes a connected TLS socket. */
export function describeTls(socket: TLSSocket, now = Date.now()): TlsInfo {
  const error = socket.authorizationError;
  return {
    protocol: socket.getProtocol(),
    cipher: socket.getCipher().name,
    alpn: socket.alpnProtocol ?? false,
    authorized: socket.authorized,
    ...(error && { authorizationError: typeof error === 'string' ? error : error.message }),
    chain: chainOf(socket.getPeerCertificate(true), now),
  };
}

/** Leaf first, up to the root (a self-issued certificate is its own issuer: the walk stops there). */
function chainOf(leaf: DetailedPeerCertificate, now: number): CertificateInfo[] {
  const chain: CertificateInfo[] = [];
  const seen = new Set<string>();
  for (
    let cert = leaf;
    cert?.fingerprint256 && !seen.has(cert.fingerprint256);
    cert = cert.issuerCertificate
  ) {
    seen.add(cert.fingerprint256);
    chain.push({
      subject: distinguishedName(cert.subject),
      issuer: distinguishedName(cert.issuer),
      validFrom: cert.valid_from,
      validTo: cert.valid_to,
      daysLeft: Math.floor((Date.parse(cert.valid_to) - now) / DAY_MS),
      altNames: altNamesOf(cert.subjectaltname),
      serialNumber: cert.serialNumber,
      fingerprint256: cert.fingerprint256,
    });
  }
  return chain;
}

function distinguishedName(name: Partial<Record<string, string | string[]>> | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .filter((entry): entry is [string, string | string[]] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`)
    .join(', ');
}

/** `DNS:a.test, IP Address:127.0.0.1` → `['a.test', '127.0.0.1']`. */
function altNamesOf(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  return subjectAltName.split(', ').map((entry) => entry.slice(entry.indexOf(':') + 1));
}
