/**
 * `arachne new DIR` starts a project (package.json, tsconfig, a spider, its test, README); `arachne new spider
 * NAME URL` adds a spider for a site to the current one. Scrapy's startproject and genspider, never overwriting.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../errors.js';
import { version } from '../../version.js';
import { httpUrlArgument } from '../http-url.js';

export const newHelp = `Usage: arachne new <DIR> [--url URL]
       arachne new spider <NAME> <URL> [--dir DIR]

arachne new DIR          creates a project in DIR: package.json (arachne ^${version}, tsx, typescript; scripts
                         crawl, check, test), tsconfig.json, spiders/<name>.ts for --url (default
                         https://example.com/) with a contract for arachne check, a node:test test for it
                         (spiders/<name>.test.ts, run offline on fixed HTML), README.md, .gitignore.
arachne new spider N U   adds spiders/N.ts (under --dir, default the current directory): start URL U,
                         allowedDomains from U's host, a parse handler following links and a detail handler
                         yielding an item.

Existing files are never overwritten: the command stops before writing anything.

Options:
  --url <URL>    the site the new project's spider starts from
  --dir <DIR>    the project that gets the new spider (default .)
  -h, --help     show this help`;

const flags = {
  url: { type: 'string' },
  dir: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function newCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: flags, allowPositionals: true });
  if (values.help) {
    process.stdout.write(`${newHelp}\n`);
    return 0;
  }
  const [first, ...rest] = positionals;
  if (first === undefined) throw new ConfigError('new needs a directory (see arachne new --help)');
  if (first === 'spider') {
    const [name, url, ...extra] = rest;
    if (name === undefined || url === undefined || extra.length > 0) {
      throw new ConfigError('usage: arachne new spider NAME URL');
    }
    return newSpider(values.dir ?? '.', checkName(name), siteOf(url));
  }
  if (rest.length > 0) throw new ConfigError(`new takes one directory, got ${positionals.length}`);
  return newProject(first, siteOf(values.url ?? 'https://example.com/'));
}

interface Site {
  url: string;
  host: string;
}

async function newProject(dir: string, site: Site): Promise<number> {
  const spider = spiderNameFor(site.host);
  const files: Record<string, string> = {
    'package.json': packageJson(packageNameFor(dir), spider),
    'tsconfig.json': tsconfigJson,
    [`spiders/${spider}.ts`]: spiderSource(spider, site),
    [`spiders/${spider}.test.ts`]: spiderTest(spider, site),
    'README.md': projectReadme(basename(resolve(dir)), spider, site),
    '.gitignore': 'node_modules/\nitems.*\n.arachne-cache/\n',
  };
  await writeAll(dir, files);
  process.stdout.write(
    `created ${dir}/ with spider "${spider}" (spiders/${spider}.ts)\n` +
      `next: cd ${dir} && npm install && npm test && npx arachne crawl spiders/${spider}.ts --max-pages 10 -o items.jsonl\n`,
  );
  return 0;
}

async function newSpider(dir: string, name: string, site: Site): Promise<number> {
  const file = `spiders/${name}.ts`;
  await writeAll(dir, { [file]: spiderSource(name, site) });
  const shown = relative(process.cwd(), join(dir, file)) || file;
  process.stdout.write(
    `created ${shown}\ntry it: npx arachne parse ${site.url} --spider ${shown}\n`,
  );
  return 0;
}

/** Writes every file or none: an existing one stops the command before anything is written. */
async function writeAll(dir: string, files: Record<string, string>): Promise<void> {
  for (const path of Object.keys(files)) {
    const target = join(dir, path);
    if (existsSync(target)) {
      throw new ConfigError(
        `${target} already exists; not overwriting it (remove it or pick another name)`,
      );
    }
  }
  for (const [path, text] of Object.entries(files)) {
    const target = join(dir, path);
    await mkdir(join(target, '..'), { recursive: true });
    // 'wx' fails rather than truncate a file that appeared since the check above.
    await writeFile(target, text, { flag: 'wx' });
  }
}

function siteOf(url: string): Site {
  const parsed = httpUrlArgument(url, 'crawled');
  return { url: parsed.href, host: parsed.hostname };
}

function checkName(name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) {
    throw new ConfigError(
      `spider name "${name}" must start with a letter and hold only letters, digits, - and _`,
    );
  }
  return name;
}

/** quotes.toscrape.com → "quotes", www.example.com → "example", 127.0.0.1 → "site". */
function spiderNameFor(host: string): string {
  const label = host.split('.').find((part) => part !== 'www' && /^[a-z]/i.test(part));
  return label ? label.replace(/[^A-Za-z0-9_-]/g, '-') : 'site';
}

function packageNameFor(dir: string): string {
  return (
    basename(resolve(dir))
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-') || 'spiders'
  );
}

function packageJson(name: string, spider: string): string {
  const manifest = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      crawl: `arachne crawl spiders/${spider}.ts -o items.jsonl`,
      // The spider's contracts against the live site (CI); add each new spider file here.
      check: `arachne check spiders/${spider}.ts`,
      test: 'node --import tsx --test spiders/*.test.ts',
      typecheck: 'tsc --noEmit -p .',
    },
    dependencies: { arachne: `^${version}` },
    devDependencies: { '@types/node': '^20.19.0', tsx: '^4.20.0', typescript: '^5.9.0' },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

const tsconfigJson = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noUncheckedIndexedAccess: true,
      verbatimModuleSyntax: true,
      skipLibCheck: true,
      types: ['node'],
      noEmit: true,
    },
    include: ['spiders'],
  },
  null,
  2,
)}\n`;

function spiderSource(name: string, site: Site): string {
  return `// The "${name}" spider for ${site.host}. Try one page, check the contracts, then crawl:
//   npx arachne parse ${site.url} --spider spiders/${name}.ts --depth 1
//   npx arachne check spiders/${name}.ts
//   npx arachne crawl spiders/${name}.ts --max-pages 20 -o items.jsonl
import { defineSpider } from 'arachne';

/** Which links lead to a detail page (one item each). Adjust it to the site's URLs. */
const detailPage = /\\/(products?|items?|posts?|articles?|p)\\/[^/?#]+/;

export default defineSpider({
  name: ${quote(name)},
  start: [${quote(site.url)}],
  allowedDomains: [${quote(site.host)}],

  // What each handler must yield on a real page, checked by \`arachne check\` (exit 1 when the site changed).
  // Add one for detail once you know a detail URL:
  //   detail: [{ url: 'https://…/products/1', returns: { items: 1 }, scrapes: ['title'] }],
  contracts: {
    parse: [{ url: ${quote(site.url)}, returns: { items: 0, requests: [1, null] } }],
  },

  // Listing pages (the start page, categories, next pages): detail links to \`detail\`, the rest back here.
  *parse(page) {
    for (const href of page.links()) {
      yield page.follow(href, detailPage.test(href) ? 'detail' : 'parse');
    }
  },

  // A detail page: one item. Add the fields you need, e.g. price: page.text('.price').
  *detail(page) {
    yield {
      url: page.url,
      title: page.text('h1') || page.text('title'),
    };
  },
});
`;
}

/** A single-quoted TypeScript string literal, as the rest of the generated code writes them. */
function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function spiderTest(name: string, site: Site): string {
  const base = new URL('/', site.url).href;
  return `// Runs the spider's handlers on fixed HTML, offline: \`npm test\`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequest, isRequest, Page, Response } from 'arachne';
import spider from './${name}.js';

/** A page as a handler receives it, from HTML instead of the network. */
function pageOf(url: string, html: string, handler = 'parse'): Page {
  const request = createRequest(url, { handler });
  const response = new Response({
    url,
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: Buffer.from(html),
    request,
    timings: { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: 0 },
  });
  return new Page(request, response);
}

/** Everything a handler yields or returns, as a list. */
async function outputsOf(handler: 'parse' | 'detail', page: Page): Promise<unknown[]> {
  const result = await spider.handlers[handler](page);
  if (result === undefined) return [];
  if (typeof result === 'object' && (Symbol.iterator in result || Symbol.asyncIterator in result)) {
    const outputs: unknown[] = [];
    for await (const output of result as Iterable<unknown> | AsyncIterable<unknown>) outputs.push(output);
    return outputs;
  }
  return [result];
}

test('parse follows detail links to detail and other links to parse', async () => {
  const page = pageOf(
    ${quote(base)},
    '<a href="/products/1">one</a> <a href="/?page=2">next</a>',
  );
  const requests = (await outputsOf('parse', page)).filter(isRequest);
  assert.deepEqual(
    requests.map((request) => [request.url, request.handler]),
    [
      [${quote(new URL('/products/1', base).href)}, 'detail'],
      [${quote(new URL('/?page=2', base).href)}, 'parse'],
    ],
  );
});

test('detail yields one item with the title', async () => {
  const url = ${quote(new URL('/products/1', base).href)};
  const page = pageOf(url, '<h1>A thing</h1>', 'detail');
  assert.deepEqual(await outputsOf('detail', page), [{ url, title: 'A thing' }]);
});
`;
}

function projectReadme(title: string, spider: string, site: Site): string {
  return `# ${title}

Spiders for [Arachne](https://www.npmjs.com/package/arachne), made with \`arachne new\`.

\`\`\`sh
npm install
npm test                                                   # the spider's handlers on fixed HTML, offline
npm run check                                              # the spider's contracts against the live site
npx arachne parse ${site.url} --spider spiders/${spider}.ts  # one page: its items and requests
npx arachne crawl spiders/${spider}.ts --max-pages 20 -o items.jsonl
npx arachne new spider blog https://blog.example.org/      # another spider
\`\`\`

- \`spiders/${spider}.ts\`: the spider (start URL, allowed domains, a \`parse\` handler for listing pages, a
  \`detail\` handler yielding one item per page).
- \`spiders/${spider}.test.ts\`: its test (\`node:test\`, run through tsx).
- \`npm run check\`: runs the spider's \`contracts\` (pages it must handle and what it must yield there) against
  the site; exit 1 when one breaks. \`npx arachne check spiders/${spider}.ts --record\` stores the pages in
  \`spiders/.arachne/contracts-cache.sqlite\`; commit it and CI can run \`arachne check … --offline\` without
  the network.
- \`npm run typecheck\`: TypeScript checks the spiders (handler names in \`page.follow\` included).
`;
}
