/** `arachne probe URL`: diagnoses why a URL cannot be crawled, layer by layer (see src/probe/). */
import { parseArgs } from 'node:util';
import { probe } from '../../probe/probe.js';
import { formatProbe, probePassed } from '../../probe/report.js';
import type { CommandOutput } from './fetch.js';

export const probeHelp = `Usage: arachne probe <URL> [options]

Diagnoses a URL step by step, like dig, nc, openssl s_client, curl and ping in one:
  DNS     each A/AAAA answer with its TTL, and the servers asked
  TCP     a connect to each address, timed
  TLS     protocol, cipher, ALPN, certificate chain with days to expiry, verification
          and host name check (https, wss, imaps, pop3s)
  HTTP    status, redirects and per-phase timings (http, https)
  robots  whether robots.txt lets the crawler fetch the URL, and its Crawl-delay
  ICMP    echo round-trip times through the system's ping, or why this machine
          does not permit ICMP

Options:
  --dns <server[:port]>  ask this DNS server instead of the system's (repeatable)
  --timeout-ms <n>       per step (default 10000)
  --user-agent <s>       the agent robots.txt is read for (default arachne/<version>)
  --no-icmp              skip the ICMP echo
  --json                 print the report as JSON
  -h, --help             show this help

Exit codes: 0 every step a crawl needs passed, 1 a step failed, 2 bad URL or option.`;

const flags = {
  dns: { type: 'string', multiple: true },
  'timeout-ms': { type: 'string' },
  'user-agent': { type: 'string' },
  'no-icmp': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function probeCommand(
  argv: string[],
  output: CommandOutput = process,
): Promise<number> {
  const fail = (message: string): number => {
    output.stderr.write(`arachne probe: ${message}\n`);
    return 2;
  };
  let values: ReturnType<typeof parse>['values'];
  let positionals: string[];
  try {
    ({ values, positionals } = parse(argv));
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    output.stdout.write(`${probeHelp}\n`);
    return 0;
  }
  if (positionals.length !== 1) return fail('one URL is required (see arachne probe --help)');
  let url: URL;
  try {
    url = new URL(positionals[0] ?? '');
  } catch {
    return fail(`invalid URL "${positionals[0]}"`);
  }
  if (url.hostname === '') return fail(`no host in "${positionals[0]}"`);
  const timeout = values['timeout-ms'];
  const timeoutMs = timeout === undefined ? undefined : Number(timeout);
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    return fail(`--timeout-ms must be a positive integer, got "${timeout}"`);
  }
  const report = await probe(url, {
    ...(values.dns && { dns: values.dns }),
    ...(timeoutMs !== undefined && { timeoutMs }),
    ...(values['user-agent'] !== undefined && { userAgent: values['user-agent'] }),
    icmp: values['no-icmp'] !== true,
  });
  output.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatProbe(report));
  return probePassed(report) ? 0 : 1;
}

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: flags, allowPositionals: true });
}
