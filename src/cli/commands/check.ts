/**
 * `arachne check SPIDER…`: runs each contract of the spiders (Scrapy's `scrapy check`): fetches the contract's page
 * through the spider's download chain, runs its handler once (nothing followed) and compares what it yielded with
 * what the contract expects. `--record` stores the pages in an HTTP cache, `--offline` checks from that cache alone.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CacheStore } from '../../cache/store.js';
import { contractBreaches } from '../../crawler/contract-breaches.js';
import { type CheckedContract, contractsToRun } from '../../crawler/contracts.js';
import type { CrawlOptions } from '../../crawler/options.js';
import { createRequest } from '../../crawler/request.js';
import type { Spider } from '../../crawler/spider.js';
import { noPageFetched } from '../../crawler/summary.js';
import { ConfigError, isCrawlError } from '../../errors.js';
import { loadSpider } from '../../loader/load-spider.js';
import { crawlFlagsHelp, parseCrawlArgs } from '../options.js';
import { type ProbeResult, runProbe } from '../probe.js';

export const checkHelp = `Usage: arachne check <spider.ts>... [--handler NAME] [--list] [--record | --offline] [--cache LOC] [crawl options]

Runs the contracts of each spider: for every contract, fetches its URL through the spider's download chain
(robots.txt, cookies, its middlewares), runs the contract's handler once on the page (the requests it yields are
not followed) and checks the number of items and requests it yielded and the fields every item must have.
Prints one line per contract and a summary.

  --handler <name>  only the contracts of this handler
  --list            list the contracts, run nothing
  --record          fetch every contract page and store it in the cache (default
                    contracts-cache.sqlite in .arachne/ next to the spider file, or --cache LOC)
  --offline         answer from that cache only, never the network; a page not recorded fails the contract

${crawlFlagsHelp}

Exit codes: 0 every contract held, 1 a contract was broken or its page not fetched, 2 usage or configuration error.`;

const ownFlags = ['handler'] as const;
const ownSwitches = ['list', 'record', 'offline'] as const;

/** The cache `--record` and `--offline` use when no --cache is given, relative to the spider file's folder. */
export const contractsCacheFile = join('.arachne', 'contracts-cache.sqlite');

type Mode = 'live' | 'record' | 'offline';

interface Tally {
  passed: number;
  failed: number;
}

export async function checkCommand(argv: string[]): Promise<number> {
  const args = parseCrawlArgs(argv, { ownFlags, ownSwitches, positionals: true });
  if (args.help) {
    process.stdout.write(`${checkHelp}\n`);
    return 0;
  }
  const files = args.positionals;
  if (files.length === 0)
    throw new ConfigError('check needs a spider file (see arachne check --help)');
  const { record, offline, list } = args.switches;
  if (record && offline) throw new ConfigError('--record and --offline exclude each other');
  const mode: Mode = record ? 'record' : offline ? 'offline' : 'live';
  if (mode !== 'live' && args.options.cachePolicy !== undefined) {
    throw new ConfigError(
      `--${mode} sets the cache policy itself; drop --cache-policy ${args.options.cachePolicy}`,
    );
  }
  if (mode !== 'live' && args.options.cache !== undefined && typeof args.options.cache !== 'string')
    throw new ConfigError('--cache must be a location');

  // Every spider is loaded and its contracts validated before anything is fetched: a typo fails fast, exit 2.
  const spiders: { file: string; spider: Spider; contracts: CheckedContract[] }[] = [];
  for (const file of files) {
    const spider = await loadSpider(file);
    spiders.push({ file, spider, contracts: selected(spider, args.own.handler) });
  }
  if (list) {
    for (const { spider, contracts } of spiders) {
      for (const contract of contracts)
        process.stdout.write(`${spider.name}  ${contract.handler}  ${contract.url}\n`);
    }
    return 0;
  }
  const total = spiders.reduce((sum, { contracts }) => sum + contracts.length, 0);
  if (total === 0) {
    throw new ConfigError(
      `no contracts to run in ${files.join(', ')}${args.own.handler ? ` for handler "${args.own.handler}"` : ''} (declare contracts: { handler: [{ url, returns, scrapes }] } in the spider)`,
    );
  }
  const tally: Tally = { passed: 0, failed: 0 };
  const started = Date.now();
  for (const { file, spider, contracts } of spiders) {
    const location =
      typeof args.options.cache === 'string'
        ? args.options.cache
        : join(dirname(file), contractsCacheFile);
    await checkSpider(spider, contracts, mode, location, args.options, tally);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(2);
  process.stdout.write(
    `\n${total} ${total === 1 ? 'contract' : 'contracts'}: ${tally.passed} passed, ${tally.failed} failed (${seconds} s)${mode === 'record' ? ', pages recorded' : ''}\n`,
  );
  return tally.failed > 0 ? 1 : 0;
}

/** The spider's contracts, or those of one handler (which the spider must have). */
function selected(spider: Spider, handler: string | undefined): CheckedContract[] {
  const all = contractsToRun(spider.contracts);
  if (handler === undefined) return all;
  if (!(handler in spider.handlers)) {
    throw new ConfigError(
      `spider "${spider.name}" has no handler "${handler}" (it has: ${Object.keys(spider.handlers).join(', ')})`,
    );
  }
  return all.filter((contract) => contract.handler === handler);
}

async function checkSpider(
  spider: Spider,
  contracts: CheckedContract[],
  mode: Mode,
  location: string,
  options: CrawlOptions,
  tally: Tally,
): Promise<void> {
  if (contracts.length === 0) return;
  const cache = await openContractCache(mode, location);
  const report = (contract: CheckedContract, problems: string[]) => {
    if (problems.length === 0) tally.passed++;
    else tally.failed++;
    const mark = problems.length === 0 ? '✓' : '✗';
    const what = problems.length === 0 ? '' : `: ${problems.join('; ')}`;
    process.stdout.write(`${mark} ${spider.name} ${contract.handler} ${contract.url}${what}\n`);
  };
  try {
    for (const contract of contracts) {
      if (cache === 'missing') {
        report(contract, [`not recorded (no cache at ${location}); run arachne check --record`]);
        continue;
      }
      report(contract, await runContract(spider, contract, mode, cache, options));
    }
  } finally {
    if (typeof cache === 'object') await cache.close().catch(() => {});
  }
}

/**
 * The store recording writes to or offline checks read from, opened once for all of a spider's contracts; 'missing'
 * offline when nothing was ever recorded there; undefined live (a --cache given is then the crawl's business).
 */
async function openContractCache(
  mode: Mode,
  location: string,
): Promise<CacheStore | 'missing' | undefined> {
  if (mode === 'live') return undefined;
  const { openCache, parseCacheUri } = await import('../../cache/open-cache.js');
  const where = parseCacheUri(location);
  if (mode === 'record') {
    if (where.kind === 'sqlite') await mkdir(dirname(where.path), { recursive: true });
    return openCache(location);
  }
  try {
    return await openCache(location, { create: false });
  } catch (error) {
    if (isCrawlError(error) && error.code === 'AR_CONFIG' && where.kind === 'sqlite')
      return 'missing';
    throw error;
  }
}

/** Runs one contract; resolves to what it found broken (empty when the contract held). */
async function runContract(
  spider: Spider,
  contract: CheckedContract,
  mode: Mode,
  cache: CacheStore | undefined,
  options: CrawlOptions,
): Promise<string[]> {
  const request = createRequest(contract.url, {
    handler: contract.handler,
    data: contract.data,
    ...(contract.fetch !== undefined && { fetch: contract.fetch }),
  });
  let result: ProbeResult | undefined;
  const run = await runProbe(spider, request, {
    ...options,
    ...(cache !== undefined && { cache, cachePolicy: mode === 'record' ? 'record' : 'offline' }),
    depth: 0,
    onResult: (probed) => {
      result = probed;
    },
  });
  if (result === undefined) {
    if (run.lost?.code === 'AR_NOT_CACHED') return ['not recorded; run arachne check --record'];
    const reason = run.lost?.message ?? noPageFetched(run.stats)?.reason ?? 'no page was fetched';
    return [`page not fetched: ${reason.split('\n')[0]}`];
  }
  if (result.failure !== undefined) {
    const message =
      result.failure instanceof Error ? result.failure.message : String(result.failure);
    return [`handler threw: ${message.split('\n')[0]}`];
  }
  return contractBreaches(contract, result.items, result.requests.length);
}
