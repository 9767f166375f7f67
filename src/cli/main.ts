/** The `arachne` command line: parses the command name and hands the rest to commands/<name>.ts. */
import { isCrawlError } from '../errors.js';
import { keepWasmOnBaseline } from '../http/wasm-baseline.js';
import { redactUrlsIn } from '../url/redact-url.js';
import { version } from '../version.js';
import { exitQuietlyOnClosedPipe } from './closed-pipe.js';

type Command = (argv: string[]) => Promise<number>;

// Every command is loaded on use: `arachne --help` then loads nothing but this file, and each command only the
// modules it needs (no web server for `crawl`, no crawler for `cache ls`). Start-up time is bench/startup.mjs.
const commands: Record<string, () => Promise<Command>> = {
  cache: async () => (await import('./commands/cache.js')).cacheCommand,
  check: async () => (await import('./commands/check.js')).checkCommand,
  crawl: async () => (await import('./commands/crawl.js')).crawlCommand,
  demo: async () => (await import('./commands/demo.js')).demoCommand,
  deploy: async () => (await import('./commands/deploy.js')).deployCommand,
  fetch: async () => (await import('./commands/fetch.js')).fetchCommand,
  new: async () => (await import('./commands/new.js')).newCommand,
  parse: async () => (await import('./commands/parse.js')).parseCommand,
  probe: async () => (await import('./commands/probe.js')).probeCommand,
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  shell: async () => (await import('./commands/shell.js')).shellCommand,
  state: async () => (await import('./commands/state.js')).stateCommand,
  status: async () => (await import('./commands/status.js')).statusCommand,
  worker: async () => (await import('./commands/crawl.js')).workerCommand,
};

const help = `arachne ${version}: a fast, polite web crawler and scraper

Usage: arachne <command> [options]

Commands:
  crawl <spider.ts | URL...>   run a spider file, or crawl a site with no code
  worker <spider.ts | URL...>  join a shared crawl (--frontier redis://…) and work on it until it is done
  worker --server URL          work on the jobs of a job server run with --frontier (any number, any machine)
  status --frontier URL …      the state of a shared crawl across all its workers
  new <DIR> | new spider NAME URL
                               start a project, or add a spider for a site to this one
  parse <URL> --spider FILE    run one handler on one page and print its items and requests
  check <spider.ts>...         run the spiders' contracts (--record, then --offline in CI)
  shell [URL] [--spider FILE]  a REPL on a page fetched as a crawl would: try selectors, fetch(), run(handler)
  fetch <URL>                  fetch one URL: status, headers, timings and body (or --select CSS)
  probe <URL>                  diagnose a URL: DNS, TCP, TLS, HTTP, robots.txt, ICMP (--json)
  demo                         start the bundled sample shop on 127.0.0.1 and crawl it
  state <show|failed> FILE     inspect a crawl's state file (see crawl --state)
  serve --project DIR          run a project's spiders as jobs: HTTP API, WebSocket feed, dashboard
  deploy [DIR] --server URL    upload a spider project to arachne serve as a new version
  cache <ls|clear> <DIR|URI>   list or empty an HTTP cache written by crawl --cache

Run 'arachne <command> --help' for the options of each command.`;

export async function main(argv: string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  keepWasmOnBaseline();
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!load) {
    process.stderr.write(`arachne: unknown command "${name}" (try arachne --help)\n`);
    return 2;
  }
  try {
    const command = await load();
    return await command(rest);
  } catch (error) {
    process.stderr.write(`arachne ${name}: ${describe(error)}\n`);
    return exitCodeFor(error);
  }
}

/** The error's first line, with URLs' credentials removed: the last guard for a message that quotes a URL. */
function describe(error: unknown): string {
  const message =
    error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
  return redactUrlsIn(message);
}

/** 2 for usage and configuration errors, 1 for anything that stopped a crawl. */
function exitCodeFor(error: unknown): number {
  if (isCrawlError(error)) return error.code === 'AR_CONFIG' ? 2 : 1;
  // node:util parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed flags.
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return 2;
  return 1;
}
