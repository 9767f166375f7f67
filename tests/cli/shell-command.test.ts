/** `arachne shell URL` (issue 12 §1): a REPL over a page fetched through the crawl's download chain. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { binPath, runCli } from '../helpers/run-cli.js';
import { collectOutput, within } from '../helpers/wait.js';

let site: LocalServer;
let dir: string;
let spider: string;
// Port 1 on loopback: nothing listens, the connection is refused at once.
const deadHost = 'http://127.0.0.1:1/';

beforeAll(async () => {
  site = await startLocalServer({
    '/': '<html><head><title>Shop</title></head><body><h1>Hello <b>World</b></h1><ul><li><a href="/products/1">one</a></li><li><a href="/page/2">next</a></li></ul></body></html>',
    '/page/2': '<h1>Two</h1><a href="/products/2">two</a>',
    '/products/1': '<h1>One</h1>',
    '/login': (_req, res) => {
      res.setHeader('set-cookie', 'sid=s3cret; Path=/');
      res.end('<p>logged in</p>');
    },
    '/me': (req, res) => {
      res.end(`<p>${req.headers.cookie ?? 'no cookie'}</p>`);
    },
  });
  dir = await mkdtemp(join(tmpdir(), 'arachne-shell-'));
  spider = join(dir, 'shop.ts');
  await writeFile(
    spider,
    `import { defineSpider } from 'arachne';
export default defineSpider({
  name: 'shop',
  start: ['http://example.invalid/'],
  // The shell's pages go through the spider's own middlewares: this one marks them.
  middlewares: [(request, next) => next({ ...request, headers: { ...request.headers, 'x-spider': 'shop' } })],
  *parse(page) {
    for (const href of page.links()) yield page.follow(href, href.includes('/products/') ? 'detail' : 'parse');
  },
  *detail(page) {
    yield { title: page.text('h1') };
  },
});
`,
  );
});
afterAll(() => site.close());

/** The lines of a piped session, fed to stdin; --retries 0 so a dead host fails at once. */
function session(lines: string[], args: string[] = []) {
  return runCli(['shell', `${site.origin}/`, '--retries', '0', ...args], {
    input: `${lines.join('\n')}\n`,
    env: { ARACHNE_SHELL_HISTORY: '' },
  });
}

describe('arachne shell, piped', () => {
  it('evaluates each line in order, awaits fetch(), keeps going after a failed fetch, exits 0 at EOF', async () => {
    const result = await session([
      "page.css('h1::text').get()",
      "page.xpath('//li/a/@href').getAll()",
      "page.select('li').length",
      "fetch('/page/2')",
      "page.text('h1')",
      `await fetch('${deadHost}')`,
      'page.url',
      'response.status',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 5)).toEqual([
      "'Hello '",
      "[ '/products/1', '/page/2' ]",
      '2',
      `<Page 200 ${site.origin}/page/2 (41 bytes)>`,
      "'Two'",
    ]);
    // The failure in one line, then the session goes on with the page it had.
    expect(result.stdout).toMatch(/Uncaught:?\n?\s*\w+Error \[AR_NETWORK\]: .*127\.0\.0\.1:1/);
    expect(lines.slice(-2)).toEqual([`'${site.origin}/page/2'`, '200']);
  });

  it('css(), xpath() and select() are bare globals over the current page, which fetch() replaces', async () => {
    const result = await session([
      "xpath('//li/a/@href').getAll()",
      "css('h1 ::text').getAll().join('')",
      "select('li').texts()",
      "fetch('/page/2')",
      "xpath('//h1/text()').get()",
      "css('a::attr(href)').get()",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      "[ '/products/1', '/page/2' ]",
      "'Hello World'",
      "[ 'one', 'next' ]",
      `<Page 200 ${site.origin}/page/2 (41 bytes)>`,
      "'Two'",
      "'/products/2'",
    ]);
  });

  it('css() without a page says to fetch one first', async () => {
    const result = await runCli(['shell'], {
      input: "css('h1')\n",
      env: { ARACHNE_SHELL_HISTORY: '' },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/ConfigError \[AR_CONFIG\]: no page yet: fetch\(url\) first/);
  });

  it('view() saves the page HTML to a file and prints its path', async () => {
    const result = await session(['view()']);
    expect(result.code, result.stderr).toBe(0);
    const path = result.stdout.trim();
    expect(path).toMatch(/\.html$/);
    const html = await readFile(path, 'utf8');
    expect(html).toContain('<h1>Hello <b>World</b></h1>');
    // With a <base>, so the saved copy's relative links still lead to the site.
    expect(html).toContain(`<head><base href="${site.origin}/"><title>Shop</title>`);
  });

  it('with --spider: pages pass its middlewares, and run(handler) prints what a handler yields', async () => {
    const result = await session(
      ['spider.name', 'run()', "fetch(page.follow('/products/1'))", "run('detail')", "run('nope')"],
      ['--spider', spider],
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      [
        "'shop'",
        `>>> ${site.origin}/  [200]  handler parse, depth 0`,
        '# Items (0)',
        '# Requests (2)',
        `GET ${site.origin}/products/1 → detail`,
        `GET ${site.origin}/page/2 → parse`,
        '',
        `<Page 200 ${site.origin}/products/1 (12 bytes)>`,
        `>>> ${site.origin}/products/1  [200]  handler detail, depth 0`,
        '# Items (1)',
        '{\n  "title": "One"\n}',
        '# Requests (0)',
      ].join('\n'),
    );
    expect(result.stdout).toContain('has no handler "nope" (it has: parse, detail)');
    const marked = site.requests.filter((request) => request.headers['x-spider'] === 'shop');
    expect(marked.map((request) => request.path)).toEqual(
      expect.arrayContaining(['/', '/products/1']),
    );
  });

  it('keeps cookies from one fetch() to the next', async () => {
    const result = await session(["fetch('/login')", "fetch('/me')", "page.text('p')"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe("'sid=s3cret'");
  });
});

describe('arachne shell -c', () => {
  it('prints the value of one expression, a string unquoted, and exits 0', async () => {
    const result = await runCli([
      'shell',
      `${site.origin}/`,
      '-c',
      "page.css('h1 ::text').getAll().join('')",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('Hello World\n');
  });

  it('--command awaits a fetch in the expression', async () => {
    const result = await runCli([
      'shell',
      `${site.origin}/`,
      '--command',
      "(await fetch('/products/1')).text('h1')",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('One\n');
  });

  it('an expression that throws: one line on stderr, exit code 1', async () => {
    const result = await runCli(['shell', `${site.origin}/`, '-c', 'nothing.here']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('arachne shell: ReferenceError: nothing is not defined\n');
  });
});

describe('arachne shell errors', () => {
  it('a dead host: one line and exit code 1', async () => {
    const result = await runCli(['shell', deadHost, '--retries', '0', '-c', 'page.status']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^arachne shell: .*127\.0\.0\.1:1.*AR_NETWORK/);
  });

  it('a bad URL: one line and exit code 2', async () => {
    const result = await runCli(['shell', 'not a url']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('arachne shell: not a valid URL: "not a url"\n');
  });
});

const hasScript = spawnSync('script', ['--version']).status === 0;

describe.skipIf(!hasScript)('arachne shell on a terminal (util-linux script)', () => {
  /** An interactive session on a pseudo-terminal, keeping its history in `history`. */
  function terminalSession(history: string) {
    const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;
    const command = [process.execPath, binPath, 'shell', `${site.origin}/`].map(quote).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...process.env, ARACHNE_SHELL_HISTORY: history, NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const output = collectOutput(child.stdout, child.stderr);
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    return { child, output, exited };
  }

  it('completes page methods and the bare xpath() with Tab, saves the history and reloads it next time', async () => {
    const history = join(dir, 'state', 'shell_history');
    const first = terminalSession(history);
    try {
      const { child, output } = first;
      await output.match(/arachne> /);
      child.stdin.write('page.sel');
      await output.match(/page\.sel/);
      // Each Tab on its own: readline takes a Tab that comes with other keys for pasted text.
      child.stdin.write('\t');
      await output.match(/page\.select/);
      child.stdin.write('\t');
      await output.match(/page\.selectOne/);
      child.stdin.write('\x15'); // Ctrl-U: clear the line
      child.stdin.write('1 + 41\r');
      await output.match(/\b42\b/);
      child.stdin.write('xpa');
      await output.match(/xpa/);
      child.stdin.write('\t');
      await output.match(/xpath/);
      child.stdin.write("('//h1/text()').get()\r");
      await output.match(/'Hello '/);
      child.stdin.write('\x04'); // Ctrl-D: leave without adding a line to the history
      expect(await within(first.exited, 30_000, 'the shell to exit')).toBe(0);
    } finally {
      first.child.kill('SIGKILL');
    }
    const saved = await readFile(history, 'utf8');
    expect(saved).toContain('1 + 41');
    expect(saved).toContain("xpath('//h1/text()').get()");

    // A second session: the Up arrow brings back the last line of the first one, and Enter runs it again.
    const second = terminalSession(history);
    try {
      const { child, output } = second;
      await output.match(/arachne> /);
      child.stdin.write('\x1b[A');
      await output.match(/arachne> xpath\('\/\/h1\/text\(\)'\)\.get\(\)/);
      child.stdin.write('\r');
      await output.match(/'Hello '/);
      child.stdin.write('.exit\r');
      expect(await within(second.exited, 30_000, 'the second shell to exit')).toBe(0);
    } finally {
      second.child.kill('SIGKILL');
    }
  });
});
