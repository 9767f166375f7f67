/** A probe report as the terminal shows it: one block per step, the first failing step easy to spot. */
import { redactUrl } from '../url/redact-url.js';
import type { ProbeReport } from './probe.js';

const ms = (value: number) => `${value.toFixed(1)} ms`;

export function formatProbe(report: ProbeReport): string {
  const lines: string[] = [`probe ${redactUrl(report.url)}`, ''];
  const { dns } = report;
  const asked = dns.servers.length > 0 ? ` (asked ${dns.servers.join(', ')})` : '';
  if (dns.source === 'literal')
    lines.push(`DNS    ${dns.host} is an IP address: nothing to resolve`);
  else if (dns.error) lines.push(`DNS    ✗ ${dns.host}: ${dns.error}${asked}`);
  else {
    const from = dns.source === 'system' ? ' from the system resolver (hosts file)' : asked;
    lines.push(`DNS    ✓ ${dns.host} in ${ms(dns.ms)}${from}`);
    for (const answer of dns.answers) {
      const ttl = answer.ttl === undefined ? '' : `  TTL ${answer.ttl} s`;
      lines.push(`         IPv${answer.family} ${answer.address}${ttl}`);
    }
  }
  for (const tcp of report.tcp) {
    lines.push(
      tcp.error
        ? `TCP    ✗ ${tcp.address}:${tcp.port} ${tcp.error}`
        : `TCP    ✓ ${tcp.address}:${tcp.port} connected in ${ms(tcp.ms ?? 0)}`,
    );
  }
  const { tls } = report;
  if (tls?.error) lines.push(`TLS    ✗ ${tls.error}`);
  else if (tls) {
    const verified = tls.authorized ? '✓' : '✗';
    const why = tls.authorized ? 'chain verified' : `chain not verified: ${tls.authorizationError}`;
    lines.push(
      `TLS    ${verified} ${tls.protocol} ${tls.cipher}, ALPN ${tls.alpn || 'none'}, in ${ms(tls.ms ?? 0)}; ${why}`,
    );
    if (tls.hostnameError) lines.push(`         ✗ ${tls.hostnameError}`);
    for (const [depth, cert] of (tls.chain ?? []).entries()) {
      const left =
        cert.daysLeft < 0 ? `EXPIRED ${-cert.daysLeft} days ago` : `${cert.daysLeft} days left`;
      lines.push(
        `         ${depth} ${cert.subject}  (issuer ${cert.issuer}; until ${cert.validTo}, ${left})`,
      );
    }
  }
  const { http } = report;
  if (http.error) lines.push(`HTTP   ✗ ${http.error}`);
  else {
    lines.push(`HTTP   ✓ ${http.status} ${redactUrl(http.url ?? '')}`);
    if (http.redirects?.length)
      lines.push(`         redirected from ${http.redirects.map(redactUrl).join(' → ')}`);
    const t = http.timings;
    if (t) {
      lines.push(
        `         DNS ${ms(t.dnsMs)} · connect ${ms(t.connectMs)} · TLS ${ms(t.tlsMs)} · first byte ${ms(t.firstByteMs)} · total ${ms(t.totalMs)}`,
      );
    }
  }
  const { robots } = report;
  if (robots.robotsUrl === '') lines.push(`robots – ${robots.error}`);
  else {
    const verdict = robots.allowed ? '✓ allowed' : '✗ disallowed';
    const source = robots.error
      ? `robots.txt unreachable: ${robots.error}`
      : `robots.txt ${robots.status}`;
    const delay =
      robots.crawlDelayMs === undefined ? '' : `, Crawl-delay ${robots.crawlDelayMs / 1000} s`;
    lines.push(`robots ${verdict} for ${robots.userAgent} (${source}${delay})`);
  }
  const { icmp } = report;
  if (icmp && !icmp.permitted) lines.push(`ICMP   – ${icmp.reason}`);
  else if (icmp) {
    const rtt =
      icmp.rttMs.length > 0 ? `: ${icmp.rttMs.map((value) => `${value} ms`).join(', ')}` : '';
    const mark = icmp.received > 0 ? '✓' : '✗';
    lines.push(`ICMP   ${mark} ${icmp.address} ${icmp.received}/${icmp.sent} echo replies${rtt}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Whether every step a crawl needs succeeded (ICMP is informative only: many hosts drop it). */
export function probePassed(report: ProbeReport): boolean {
  const web = report.url.startsWith('http:') || report.url.startsWith('https:');
  return (
    report.dns.answers.length > 0 &&
    report.tcp.some((tcp) => tcp.ms !== undefined) &&
    (report.tls === undefined ||
      (report.tls.error === undefined &&
        report.tls.authorized === true &&
        !report.tls.hostnameError)) &&
    (!web || (report.http.error === undefined && report.robots.allowed))
  );
}
