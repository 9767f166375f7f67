/** `arachne fetch URL`: one request, printed like a tiny curl -i with per-phase timings, or --select CSS texts. */
import { STATUS_CODES } from 'node:http';
import type { LookupFunction } from 'node:net';
import { parseArgs } from 'node:util';
import { isCrawlError } from '../../errors.js';
import { parseHtml } from '../../html/index.js';
import { createClient } from '../../http/client.js';
import { DnsCache } from '../../http/dns-cache.js';
import type { Response, Timings } from '../../http/response.js';
import { insecureWarning, type TlsFileOptions, tlsSettingsFrom } from '../../http/tls-files.js';
import type { TlsSettings } from '../../http/transport.js';
import { redactUrl } from '../../url/redact-url.js';
import { tlsBlock } from './fetch-tls.js';

export const fetchHelp = `Usage: arachne fetch <URL> [options]

Fetches one URL (redirects followed, no retries) and prints the status line, the response headers,
the timings (DNS, connect, TLS, first byte, total), for https the TLS connection (protocol, cipher,
ALPN, whether the chain verified, each certificate with its expiry), then the body.

Options:
  --select <css>        print the text of each element matching the CSS selector, one per line,
                        instead of the body
  -H, --header 'K: V'   add a request header (repeatable)
  --timeout-ms <n>      give up after n ms without a complete response (default 30000)
  --user-agent <s>      User-Agent to send (default arachne/<version>)
  --dns <server[:port]> resolve the host with this DNS server instead of the system's (repeatable)
  --no-body             print status, headers and timings only
  --no-body             print status, headers, timings and TLS only
  --ca <file>           trust the CA certificates of this PEM file besides the system's (repeatable)
  --cert <file>         present this client certificate (PEM); needs --key
  --key <file>          the client certificate's private key (PEM)
  --insecure            do not verify the server's certificate (a warning is printed)
  --tls-min-version <v> TLSv1.2 (default) or TLSv1.3
  -h, --help            show this help

Exit codes: 0 a response was received (whatever its status), 1 network error or timeout,
2 bad URL or bad option.`;

/** Where the command writes; the CLI passes the process streams, tests pass collectors. */
export interface CommandOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

const flags = {
  select: { type: 'string' },
  header: { type: 'string', short: 'H', multiple: true },
  'timeout-ms': { type: 'string' },
  'user-agent': { type: 'string' },
  dns: { type: 'string', multiple: true },
  'no-body': { type: 'boolean' },
  ca: { type: 'string', multiple: true },
  cert: { type: 'string' },
  key: { type: 'string' },
  insecure: { type: 'boolean' },
  'tls-min-version': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

class UsageError extends Error {}

export async function fetchCommand(
  argv: string[],
  output: CommandOutput = process,
): Promise<number> {
  const fail = (code: number, message: string): number => {
    output.stderr.write(`arachne fetch: ${message}\n`);
    return code;
  };
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (error) {
    return fail(2, firstLine(error));
  }
  if (parsed.help) {
    output.stdout.write(`${fetchHelp}\n`);
    return 0;
  }
  let lookup: LookupFunction | undefined;
  if (parsed.dns.length > 0) {
    try {
      lookup = new DnsCache({ servers: parsed.dns }).lookup;
    } catch (error) {
      return fail(2, firstLine(error));
    }
  }
  let tls: TlsSettings;
  try {
    tls = tlsSettingsFrom(parsed.tls) ?? {};
  } catch (error) {
    return fail(2, firstLine(error));
  }
  if (parsed.tls.insecure) output.stderr.write(`arachne fetch: warning: ${insecureWarning}\n`);
  const client = createClient({
    retries: 0,
    headers: parsed.headers,
    ...(parsed.timeoutMs === undefined ? {} : { timeoutMs: parsed.timeoutMs }),
    ...(parsed.userAgent === undefined ? {} : { userAgent: parsed.userAgent }),
    transport: { tls, ...(lookup && { lookup }) },
  });
  const tlsTimeoutMs = parsed.timeoutMs ?? 10_000;
  try {
    const response = await client.get(parsed.url);
    output.stdout.write(describeResponse(response));
    output.stdout.write(await tlsBlock(response.url, tls, tlsTimeoutMs));
    if (parsed.select !== undefined) {
      for (const element of parseHtml(response.text, { url: response.url }).select(parsed.select))
        output.stdout.write(`${element.text()}\n`);
    } else if (!parsed.noBody) {
      output.stdout.write(bodyText(response));
    }
    return 0;
  } catch (error) {
    const usage =
      isCrawlError(error) && (error.code === 'AR_BAD_URL' || error.code === 'AR_CONFIG');
    // What the handshake showed says why a certificate was refused (expired, unknown CA, wrong host).
    if (!usage) output.stdout.write(await tlsBlock(parsed.url, tls, tlsTimeoutMs));
    return fail(usage ? 2 : 1, firstLine(error));
  } finally {
    await client.close();
  }
}

function parseFlags(argv: string[]) {
  const { values, positionals } = parseArgs({ args: argv, options: flags, allowPositionals: true });
  const help = values.help === true;
  const [url, ...extra] = positionals;
  if (!help && url === undefined)
    throw new UsageError('a URL is required (see arachne fetch --help)');
  if (extra.length > 0) throw new UsageError(`one URL at a time (got ${positionals.length})`);
  if (url !== undefined && !help) checkUrl(url);
  const headers: Record<string, string> = {};
  for (const header of values.header ?? []) {
    const colon = header.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header must look like 'Name: value', got "${header}"`);
    headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
  }
  const timeout = values['timeout-ms'];
  const timeoutMs = timeout === undefined ? undefined : Number(timeout);
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    throw new UsageError(`--timeout-ms must be a positive integer, got "${timeout}"`);
  }
  const minVersion = values['tls-min-version'];
  if (minVersion !== undefined && minVersion !== 'TLSv1.2' && minVersion !== 'TLSv1.3') {
    throw new UsageError(`--tls-min-version must be TLSv1.2 or TLSv1.3, got "${minVersion}"`);
  }
  return {
    url: url ?? '',
    help,
    tls: {
      ca: values.ca,
      cert: values.cert,
      key: values.key,
      insecure: values.insecure === true,
      tlsMinVersion: minVersion,
    } satisfies TlsFileOptions,
    headers,
    timeoutMs,
    userAgent: values['user-agent'],
    dns: values.dns ?? [],
    select: values.select,
    noBody: values['no-body'] === true,
  };
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`invalid URL "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`only http and https URLs can be fetched, got "${url}"`);
  }
}

function describeResponse(response: Response): string {
  const reason = STATUS_CODES[response.status];
  // The request was sent with the URL's credentials; what is printed never shows them.
  const lines = [
    `${response.status}${reason === undefined ? '' : ` ${reason}`}  ${redactUrl(response.url)}`,
  ];
  if (response.redirects.length > 0)
    lines.push(`redirected from: ${response.redirects.map(redactUrl).join(' → ')}`);
  for (const [name, value] of Object.entries(response.headers)) {
    for (const line of name === 'set-cookie' ? value.split('\n') : [value])
      lines.push(`${name}: ${line}`);
  }
  lines.push('', formatTimings(response.timings), '');
  return `${lines.join('\n')}\n`;
}

/** e.g. `timings: DNS 1.2 ms · connect 0.4 ms · TLS 0.0 ms · first byte 3.1 ms · total 5.0 ms` */
export function formatTimings(timings: Timings): string {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  return [
    `timings: DNS ${ms(timings.dnsMs)}`,
    `connect ${ms(timings.connectMs)}`,
    `TLS ${ms(timings.tlsMs)}`,
    `first byte ${ms(timings.firstByteMs)}`,
    `total ${ms(timings.totalMs)}`,
  ].join(' · ');
}

function bodyText(response: Response): string {
  const type = response.contentType.toLowerCase();
  const textual =
    type === '' || /^text\/|json|xml|javascript|ecmascript|x-www-form-urlencoded/.test(type);
  if (!textual) return `[${response.body.length} bytes of ${type} not shown]\n`;
  const text = response.text;
  return text.endsWith('\n') || text === '' ? text : `${text}\n`;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
