import { describe, expect, expectTypeOf, it } from 'vitest';
import { crawlFlagsHelp, parseCrawlArgs } from '../../src/cli/options.js';
import type { Frontier } from '../../src/crawler/frontier.js';
import { MemoryFrontier } from '../../src/crawler/frontier.js';
import { optionEntries } from '../../src/crawler/option-specs.js';
import {
  type CrawlOptions,
  defaults,
  type LogLevel,
  type ResolvedOptions,
  resolveOptions,
} from '../../src/crawler/options.js';
import { type TrapBudgets, trapDefaults } from '../../src/crawler/trap-budgets.js';
import { jobOptionsSchema } from '../../src/server/api-schemas.js';
import { schemas } from '../../src/server/openapi-schemas.js';
import type { JobOptions } from '../../src/server/types.js';
import type { Sink } from '../../src/storage/sink.js';

const resolve = (options: CrawlOptions) => resolveOptions('arachne/test', options);
const failure = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a failure');
};

describe('the option types, derived from the table', () => {
  it('type what crawl() takes and what resolveOptions returns', () => {
    expectTypeOf<CrawlOptions['dedup']>().toEqualTypeOf<'exact' | 'bloom' | undefined>();
    expectTypeOf<CrawlOptions['frontier']>().toEqualTypeOf<string | Frontier | undefined>();
    expectTypeOf<CrawlOptions['output']>().toEqualTypeOf<
      string | Sink | readonly string[] | undefined
    >();
    expectTypeOf<CrawlOptions['traps']>().toEqualTypeOf<Partial<TrapBudgets> | undefined>();
    expectTypeOf<ResolvedOptions['traps']>().toEqualTypeOf<TrapBudgets>();
    expectTypeOf<ResolvedOptions['bloomErrorRate']>().toEqualTypeOf<number>();
    expectTypeOf<ResolvedOptions['userAgent']>().toEqualTypeOf<string>();
    expectTypeOf<ResolvedOptions['crawlId']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<LogLevel>().toEqualTypeOf<'debug' | 'info' | 'warn' | 'error' | 'silent'>();
    expectTypeOf<keyof JobOptions>().toEqualTypeOf<
      | 'concurrency'
      | 'threads'
      | 'perHost'
      | 'maxPages'
      | 'maxItems'
      | 'maxTime'
      | 'maxErrors'
      | 'maxDepth'
      | 'delayMs'
      | 'maxCrawlDelayMs'
      | 'autothrottle'
      | 'robots'
      | 'sitemaps'
      | 'allowedDomains'
      | 'allow'
      | 'deny'
      | 'keepQueryOrder'
      | 'dropParams'
      | 'keepParams'
      | 'userAgent'
      | 'timeoutMs'
      | 'retries'
      | 'wsMaxMessages'
      | 'wsDurationMs'
      | 'sessions'
      | 'blockedStatuses'
      | 'insecure'
      | 'tlsMinVersion'
      | 'invalidItems'
      | 'ftpConnections'
    >();
    // @ts-expect-error: not a dedup mode
    const bad: CrawlOptions = { dedup: 'fuzzy' };
    expect(bad).toBeDefined();
  });
});

describe('resolveOptions', () => {
  it('fills every default from the table, the user agent from its caller', () => {
    const resolved = resolve({});
    expect(resolved).toMatchObject(defaults);
    expect(resolved).toMatchObject({
      concurrency: 32,
      dedup: 'exact',
      bloomCapacity: 100_000_000,
      bloomErrorRate: 0.001,
      leaseMs: 30_000,
      traps: trapDefaults,
      userAgent: 'arachne/test',
      frontier: undefined,
    });
  });

  it('later layers win, and partial trap budgets keep the other defaults', () => {
    const resolved = resolveOptions(
      'ua',
      { concurrency: 4, traps: { maxUrlLength: 100 } },
      { concurrency: 8, dedup: 'bloom', traps: { maxPagesPerHost: 5 } },
    );
    expect(resolved.concurrency).toBe(8);
    expect(resolved.dedup).toBe('bloom');
    expect(resolved.traps).toEqual({ ...trapDefaults, maxPagesPerHost: 5 });
  });

  it.each([
    [{ concurrency: -5 }, 'concurrency must be an integer ≥ 1, got -5'],
    [{ perHost: 1.5 }, 'perHost must be an integer ≥ 1, got 1.5'],
    [{ maxDepth: -1 }, 'maxDepth must be an integer ≥ 0, got -1'],
    [{ leaseMs: 10 }, 'leaseMs must be an integer ≥ 100, got 10'],
    [{ bloomErrorRate: 0 }, 'bloomErrorRate must be a number between 0 and 1 (exclusive), got 0'],
    [{ dedup: 'fuzzy' }, 'dedup must be one of exact, bloom, got "fuzzy"'],
    [
      { cachePolicy: 'never' },
      'cachePolicy must be one of always, http, record, offline, got "never"',
    ],
    [{ traps: { maxUrlLength: 0 } }, 'traps.maxUrlLength must be an integer ≥ 1, got 0'],
    [{ frontier: 42 }, 'frontier must be a string or a Frontier, got 42'],
  ])('%j is a ConfigError: %s', (options, message) => {
    const error = failure(() => resolve(options as unknown as CrawlOptions));
    expect(error.code).toBe('AR_CONFIG');
    expect(error.message).toBe(message);
  });

  it('takes Infinity where a limit may be unlimited', () => {
    expect(resolve({ maxPages: Number.POSITIVE_INFINITY }).maxPages).toBe(Number.POSITIVE_INFINITY);
    expect(failure(() => resolve({ concurrency: Number.POSITIVE_INFINITY })).message).toMatch(
      /^concurrency must be/,
    );
  });

  it('accepts a frontier object as well as a URL', () => {
    const frontier = new MemoryFrontier();
    expect(resolve({ frontier }).frontier).toBe(frontier);
  });
});

describe('the crawl flags', () => {
  const parse = (...argv: string[]) => parseCrawlArgs(argv, { positionals: true }).options;

  it('maps flags onto options, nested budgets and negated booleans included', () => {
    expect(
      parse(
        '--max-pages-per-host',
        '3',
        '--no-robots',
        '--deny-private',
        '--dedup',
        'bloom',
        '--bloom-capacity',
        '1000',
        '--bloom-error-rate',
        '0.01',
        '-o',
        'out.jsonl',
      ),
    ).toEqual({
      traps: { maxPagesPerHost: 3 },
      robots: false,
      allowPrivate: false,
      dedup: 'bloom',
      bloomCapacity: 1000,
      bloomErrorRate: 0.01,
      output: 'out.jsonl',
    });
  });

  it.each([
    [['--concurrency', '-5'], '--concurrency must be an integer ≥ 1, got "-5"'],
    [['--delay-ms', '-0.5'], '--delay-ms must be an integer ≥ 0, got "-0.5"'],
    [['--max-pages', ''], '--max-pages must be an integer ≥ 1, got ""'],
    [
      ['--log-level', 'loud'],
      '--log-level must be one of debug, info, warn, error, silent, got "loud"',
    ],
    [['--crawl-id', 'x'], '--crawl-id needs --frontier redis://…'],
    [['--retry-failed'], '--retry-failed needs --state FILE'],
    [
      ['--proxy', 'http://p:3128', '--deny-private'],
      '--proxy cannot be combined with --deny-private (except a socks5:// proxy)',
    ],
  ])('%j is a ConfigError: %s', (argv, message) => {
    const error = failure(() => parse(...argv));
    expect(error.code).toBe('AR_CONFIG');
    expect(error.message).toBe(message);
  });

  it('keeps a negative number after a value flag, but not after --', () => {
    const args = parseCrawlArgs(['--start', 'http://a/', 'x', '--', '--concurrency', '-5'], {
      positionals: true,
    });
    expect(args.positionals).toEqual(['x', '--concurrency', '-5']);
  });

  it('--help lists every flag with the default from the table', () => {
    for (const { spec } of optionEntries()) {
      if (spec.flag === undefined) continue;
      expect(crawlFlagsHelp).toContain(`--${spec.flag}${spec.arg ? ` ${spec.arg}` : ''}`);
    }
    expect(crawlFlagsHelp).toMatch(/--bloom-error-rate P\s[\s\S]*?\(default 0\.001\)/);
    expect(crawlFlagsHelp).toMatch(/--max-pages N\s+.*\(default ∞\)/);
  });
});

describe('the API job options', () => {
  it('are the options the table marks api, nothing that reaches beyond the job', () => {
    const properties = Object.keys(
      (schemas.JobOptions as { properties: Record<string, unknown> }).properties,
    );
    expect(properties.sort()).toEqual(
      [
        'concurrency',
        'threads',
        'delayMs',
        'maxCrawlDelayMs',
        'autothrottle',
        'maxDepth',
        'maxPages',
        'maxItems',
        'maxTime',
        'maxErrors',
        'allowedDomains',
        'allow',
        'deny',
        'perHost',
        'retries',
        'wsMaxMessages',
        'wsDurationMs',
        'robots',
        'sitemaps',
        'timeoutMs',
        'userAgent',
        'sessions',
        'blockedStatuses',
        'keepQueryOrder',
        'dropParams',
        'keepParams',
        'invalidItems',
        // insecure only where the operator allows it (serve --allow-insecure); TLS files never.
        'insecure',
        'tlsMinVersion',
        'ftpConnections',
      ].sort(),
    );
    for (const key of [
      'state',
      'cache',
      'proxy',
      'proxies',
      'proxyTiers',
      'frontier',
      'allowPrivate',
      'output',
      'overwriteOutput',
    ]) {
      expect(jobOptionsSchema.safeParse({ [key]: 'x' }).success, key).toBe(false);
    }
  });

  it('carry the bounds and defaults into the OpenAPI schema', () => {
    expect(schemas.JobOptions).toMatchObject({
      additionalProperties: false,
      properties: {
        concurrency: { type: 'integer', minimum: 1, maximum: 1024, default: 32 },
        robots: { type: 'boolean', default: true },
      },
    });
  });
});

describe('threads: an integer or auto', () => {
  it('is taken by crawl(), the CLI and the API, as a number or auto', () => {
    expect(resolve({}).threads).toBe(1);
    expect(resolve({ threads: 'auto' }).threads).toBe('auto');
    expect(resolve({ threads: 4 }).threads).toBe(4);
    expect(failure(() => resolve({ threads: 0 })).message).toBe(
      'threads must be an integer from 1 to 64 or auto, got 0',
    );
    expect(parseCrawlArgs(['--threads', 'auto'], { positionals: true }).options.threads).toBe(
      'auto',
    );
    expect(parseCrawlArgs(['--threads', '3'], { positionals: true }).options.threads).toBe(3);
    expect(jobOptionsSchema.safeParse({ threads: 'auto' }).success).toBe(true);
    expect(jobOptionsSchema.safeParse({ threads: 8 }).success).toBe(true);
    // A shared server caps what one job may start.
    expect(jobOptionsSchema.safeParse({ threads: 9 }).success).toBe(false);
    expect(jobOptionsSchema.safeParse({ threads: 'many' }).success).toBe(false);
  });
});

describe('output and overwriteOutput (-o and -O)', () => {
  it('a later layer naming one replaces the other from earlier layers', () => {
    const cliOverwrites = resolveOptions(
      'ua',
      { output: 'spider.jsonl' },
      { overwriteOutput: 'cli.jsonl' },
    );
    expect(cliOverwrites).toMatchObject({ overwriteOutput: 'cli.jsonl' });
    expect(cliOverwrites.output).toBeUndefined();
    const cliAppends = resolveOptions(
      'ua',
      { overwriteOutput: 'spider.jsonl' },
      { output: 'cli.jsonl' },
    );
    expect(cliAppends).toMatchObject({ output: 'cli.jsonl' });
    expect(cliAppends.overwriteOutput).toBeUndefined();
  });

  it('one layer naming both is a ConfigError', () => {
    expect(() => resolve({ output: 'a.jsonl', overwriteOutput: 'b.jsonl' })).toThrow(
      'give either output (-o, appends to an existing file) or overwriteOutput (-O, replaces it), not both',
    );
  });
});
