/**
 * The TLS block of `arachne fetch` for an https URL: protocol, cipher, ALPN, whether the chain verified (or why
 * not) and each certificate with its expiry. Read by a handshake of its own with the fetch's TLS settings (the
 * probe's), since the client's pooled sockets are not handed out; shown on failure too, where it says why.
 */
import type { TlsSettings } from '../../http/transport.js';
import { probeTls } from '../../probe/tls.js';

/** Lines ending in a newline, or '' for a URL that is not https. */
export async function tlsBlock(
  url: string,
  settings: TlsSettings,
  timeoutMs: number,
): Promise<string> {
  const target = new URL(url);
  if (target.protocol !== 'https:') return '';
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port || 443);
  const tls = await probeTls(host, port, target.hostname, timeoutMs, settings);
  if (tls.error !== undefined) return `tls: handshake failed: ${tls.error}\n\n`;
  const verified = tls.authorized
    ? 'chain verified'
    : `chain NOT verified: ${tls.authorizationError ?? 'unknown reason'}`;
  const lines = [`tls: ${tls.protocol} · ${tls.cipher} · ALPN ${tls.alpn || 'none'} · ${verified}`];
  if (tls.hostnameError) lines.push(`tls: ${tls.hostnameError}`);
  for (const [depth, cert] of (tls.chain ?? []).entries()) {
    const left =
      cert.daysLeft < 0 ? `EXPIRED ${-cert.daysLeft} days ago` : `${cert.daysLeft} days left`;
    lines.push(`cert ${depth}: ${cert.subject}`);
    lines.push(`  issuer ${cert.issuer}`);
    lines.push(`  valid ${cert.validFrom} → ${cert.validTo} (${left})`);
    if (cert.altNames.length > 0) lines.push(`  names ${cert.altNames.join(', ')}`);
  }
  return `${lines.join('\n')}\n\n`;
}
