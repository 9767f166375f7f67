/**
 * The crawl flags shared by `arachne crawl`, `worker` and `demo`: derived from the option table
 * (crawler/option-specs.ts), parsed and checked at the edge with the table's own rules and wording.
 */
import { parseArgs } from 'node:util';
import {
  type AnySpec,
  accepts,
  defaultText,
  mustBe,
  type OptionEntry,
  optionEntries,
  optionGroups,
  parseListFlag,
} from '../crawler/option-specs.js';
import type { CrawlOptions } from '../crawler/options.js';
import { ConfigError } from '../errors.js';

export interface FlagConfig {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
}

interface RunFlag extends FlagConfig {
  readonly arg?: string;
  readonly help: string;
}

/** Flags of the run itself rather than crawl options: they never reach crawl(). */
const runFlags: Readonly<Record<string, RunFlag>> = {
  start: {
    type: 'string',
    multiple: true,
    arg: 'URL',
    help: "start from URL instead of the spider's start URLs (repeatable)",
  },
  stats: { type: 'string', arg: 'FILE', help: 'write the final stats as JSON to FILE' },
  'no-progress': { type: 'boolean', help: 'no live progress line' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

type FlagEntry = OptionEntry & { readonly spec: AnySpec & { readonly flag: string } };

const flagEntries: readonly FlagEntry[] = optionEntries().filter(
  (entry): entry is FlagEntry => entry.spec.flag !== undefined,
);

/** The parseArgs configuration of every crawl flag. */
export const crawlFlags: Readonly<Record<string, FlagConfig>> = {
  ...Object.fromEntries(
    flagEntries.map(({ spec }) => [
      spec.flag,
      {
        // A toggle's own flag (`--autothrottle`) turns it on; its settings have flags of their own.
        type:
          spec.kind === 'boolean' || spec.kind === 'toggle' || spec.flagSets !== undefined
            ? 'boolean'
            : 'string',
        ...(spec.short !== undefined ? { short: spec.short } : {}),
        // A list flag may be repeated (`--allow /a --allow /b`), as well as comma-separated.
        ...(spec.kind === 'list' || spec.repeatable ? { multiple: true } : {}),
      } satisfies FlagConfig,
    ]),
  ),
  ...Object.fromEntries(
    Object.entries(runFlags).map(([name, { type, short, multiple }]) => [
      name,
      {
        type,
        ...(short !== undefined ? { short } : {}),
        ...(multiple !== undefined ? { multiple } : {}),
      },
    ]),
  ),
};

const helpColumn = 30;
const helpWidth = 112;

/** `  -o, --output TARGET` padded to the help column, then the help wrapped under itself. */
function helpLine(flag: string, short: string | undefined, arg: string | undefined, text: string) {
  const left = `  ${short ? `-${short}, ` : '    '}--${flag}${arg ? ` ${arg}` : ''}`;
  const lines: string[] = [];
  let line = left.length + 1 < helpColumn ? left.padEnd(helpColumn) : `${left} `;
  let room = helpWidth - line.length;
  for (const word of text.split(' ')) {
    if (word.length + 1 > room && line.trim() !== left.trim()) {
      lines.push(line.trimEnd());
      line = ' '.repeat(helpColumn);
      room = helpWidth - helpColumn;
    }
    line += `${word} `;
    room -= word.length + 1;
  }
  lines.push(line.trimEnd());
  return lines.join('\n');
}

/** A value flag shows its default; a boolean flag is the non-default value, so it has none to show. */
function optionHelp({ spec }: FlagEntry): string {
  const shown =
    spec.kind === 'boolean' || spec.kind === 'toggle' || spec.flagSets !== undefined
      ? undefined
      : defaultText(spec);
  const help = spec.flagHelp ?? spec.help;
  return helpLine(
    spec.flag,
    spec.short,
    spec.arg,
    shown === undefined ? help : `${help} (default ${shown})`,
  );
}

/** The options part of `--help`: the run's own flags, then each group of the option table. */
export const crawlFlagsHelp = [
  `Options:\n${Object.entries(runFlags)
    .map(([name, flag]) => helpLine(name, flag.short, flag.arg, flag.help))
    .join('\n')}`,
  ...Object.entries(optionGroups).map(
    ([group, title]) =>
      `${title}:\n${flagEntries
        .filter((entry) => entry.spec.group === group)
        .map(optionHelp)
        .join('\n')}`,
  ),
].join('\n\n');

/** What `arachne crawl`, `worker` and `demo` read from their arguments. */
export interface CrawlArgs {
  options: CrawlOptions;
  positionals: string[];
  start: string[] | undefined;
  statsFile: string | undefined;
  progress: boolean;
  help: boolean;
  /** The command's own string flags (demo's --products), as typed. */
  own: Record<string, string | undefined>;
  /** The command's own boolean flags (check's --offline): true when given. */
  switches: Record<string, boolean>;
}

/**
 * Parses a crawl command line. A bad value is a ConfigError in the table's wording, naming the flag and quoting
 * what was typed: `--concurrency must be an integer ≥ 1, got "-5"`.
 */
export function parseCrawlArgs(
  argv: string[],
  command: { ownFlags?: readonly string[]; ownSwitches?: readonly string[]; positionals: boolean },
): CrawlArgs {
  const own = command.ownFlags ?? [];
  const switches = command.ownSwitches ?? [];
  const config: Record<string, FlagConfig> = {
    ...crawlFlags,
    ...Object.fromEntries(own.map((name) => [name, { type: 'string' }])),
    ...Object.fromEntries(switches.map((name) => [name, { type: 'boolean' }])),
  };
  const { values, positionals } = parseArgs({
    args: joinNegativeValues(argv, config),
    options: config,
    allowPositionals: command.positionals,
    strict: true,
  });
  const flags = values as Record<string, string | boolean | Array<string | boolean> | undefined>;
  const start = flags.start;
  const stats = flags.stats;
  return {
    options: crawlOptionsFrom(flags),
    positionals,
    start: Array.isArray(start) ? start.map(String) : undefined,
    statsFile: typeof stats === 'string' ? stats : undefined,
    progress: !flags['no-progress'],
    help: flags.help === true,
    own: Object.fromEntries(
      own.map((name) => [name, typeof flags[name] === 'string' ? flags[name] : undefined]),
    ),
    switches: Object.fromEntries(switches.map((name) => [name, flags[name] === true])),
  };
}

/**
 * parseArgs refuses `--concurrency -5` as ambiguous (is -5 a value or a flag?). A negative number after a value
 * flag can only be its value: joined as `--concurrency=-5` it reaches the check, which names the bound instead.
 */
function joinNegativeValues(argv: string[], config: Record<string, FlagConfig>): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      joined.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    const flag = arg.startsWith('--') ? config[arg.slice(2)] : undefined;
    if (flag?.type === 'string' && next !== undefined && /^-\.?\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** Turns parsed flags into CrawlOptions: each value parsed and checked by its option's rule. */
export function crawlOptionsFrom(values: Readonly<Record<string, unknown>>): CrawlOptions {
  const options: Record<string, unknown> = {};
  for (const { spec, key, parent } of flagEntries) {
    const given = values[spec.flag];
    if (given === undefined || given === false) continue;
    // `-o a.jsonl -o b.csv`: each value whole (a target may hold commas), a list only when repeated.
    if (spec.repeatable && Array.isArray(given) && given.length > 1) {
      options[key] = given.map((one) => flagValue(spec, String(one)));
      continue;
    }
    // Repeated list flags join as one list (for lists of lists, as more tiers).
    const raw = Array.isArray(given)
      ? given.join(spec.kind === 'list' && spec.of === 'string-list' ? ';' : ',')
      : String(given);
    const value = flagValue(spec, raw);
    if (parent === undefined) options[key] = value;
    // A setting's flag alone turns its toggle on (`--autothrottle-target 4` needs no `--autothrottle`).
    else options[parent] = { ...(options[parent] as object | undefined), [key]: value };
  }
  if (options.crawlId !== undefined && options.frontier === undefined)
    throw new ConfigError('--crawl-id needs --frontier redis://…');
  if (options.hostTurns !== undefined && options.frontier === undefined)
    throw new ConfigError('--host-turns needs --frontier redis://…');
  if (options.retryFailed && options.state === undefined)
    throw new ConfigError('--retry-failed needs --state FILE');
  if (
    typeof options.proxy === 'string' &&
    !options.proxy.startsWith('socks5://') &&
    options.allowPrivate === false
  )
    throw new ConfigError(
      '--proxy cannot be combined with --deny-private (except a socks5:// proxy)',
    );
  return options as CrawlOptions;
}

/** A boolean flag sets the non-default value (`--no-robots`, `--deny-private`); others parse what was typed. */
function flagValue(spec: AnySpec & { flag: string }, raw: string): unknown {
  if (spec.kind === 'boolean') return !spec.default;
  if (spec.kind === 'toggle') return true;
  if (spec.flagSets !== undefined) return spec.flagSets;
  if (spec.kind === 'list') {
    const list = parseListFlag(spec.of, raw);
    if (!accepts(spec, list)) throw new ConfigError(mustBe(`--${spec.flag}`, spec, raw));
    return list;
  }
  const numeric =
    (spec.kind === 'int' && !(spec.auto && raw.trim() === 'auto')) || spec.kind === 'number';
  // Number('') is 0: an empty value must fail, not become the smallest bound.
  const value = numeric ? (raw.trim() === '' ? Number.NaN : Number(raw)) : raw;
  if (!accepts(spec, value)) throw new ConfigError(mustBe(`--${spec.flag}`, spec, raw));
  return value;
}
