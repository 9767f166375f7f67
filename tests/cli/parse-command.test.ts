/** `arachne parse URL --spider FILE` (issue 12 §1): one handler on one page, its items and requests printed. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { binPath, runCli } from '../helpers/run-cli.js';
import { collectOutput, within } from '../helpers/wait.js';

let spider: string;
let site: LocalServer;

beforeAll(async () => {
  site = await startLocalServer({
    '/': '<a href="/products/1">one</a> <a href="/page/2">next</a>',
    '/page/2': '<a href="/products/2">two</a>',
    '/products/1': '<h1>One</h1>',
    '/products/2': '<h1>Two</h1>',
  });
  const dir = await mkdtemp(join(tmpdir(), 'arachne-parse-'));
  spider = join(dir, 'shop.ts');
  await writeFile(
    spider,
    `import { defineSpider } from 'arachne';
export default defineSpider({
  name: 'shop',
  start: ['http://example.invalid/'],
  *parse(page) {
    for (const href of page.links()) yield page.follow(href, href.includes('/products/') ? 'detail' : 'parse');
  },
  *detail(page) {
    yield { title: page.text('h1'), note: page.request.data.note ?? null };
  },
});
`,
  );
});
afterAll(() => site.close());

describe('arachne parse', () => {
  it('prints the requests the parse handler yields, plain text when not on a terminal', async () => {
    const result = await runCli(['parse', `${site.origin}/`, '--spider', spider]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      [
        `>>> ${site.origin}/  [200]  handler parse, depth 0`,
        '# Items (0)',
        '# Requests (2)',
        `GET ${site.origin}/products/1 → detail`,
        `GET ${site.origin}/page/2 → parse`,
        '',
        '',
      ].join('\n'),
    );
    // Only the one page: the yielded requests are listed, not fetched.
    expect(site.paths.filter((path) => path !== '/robots.txt')).toEqual(['/']);
  });

  it('runs the handler named by --handler with --data and prints its items', async () => {
    const result = await runCli([
      'parse',
      `${site.origin}/products/1`,
      '--spider',
      spider,
      '--handler',
      'detail',
      '--data',
      '{"note":"hi"}',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      '# Items (1)\n{\n  "title": "One",\n  "note": "hi"\n}\n# Requests (0)',
    );
  });

  it('follows the yielded requests one level down with --depth 1, and no further', async () => {
    const result = await runCli(['parse', `${site.origin}/`, '--spider', spider, '--depth', '1']);
    expect(result.code, result.stderr).toBe(0);
    const pages = result.stdout.split('\n').filter((line) => line.startsWith('>>> '));
    expect(pages.sort()).toEqual(
      [
        `>>> ${site.origin}/  [200]  handler parse, depth 0`,
        `>>> ${site.origin}/page/2  [200]  handler parse, depth 1`,
        `>>> ${site.origin}/products/1  [200]  handler detail, depth 1`,
      ].sort(),
    );
    // /page/2's own request (depth 2) is listed but not fetched.
    expect(result.stdout).toContain(`GET ${site.origin}/products/2 → detail`);
    expect(site.count('/products/2')).toBe(0);
  });

  it('prints what a throwing handler yielded before it threw, then the error, exit code 1', async () => {
    const broken = join(dirname(spider), 'throws.ts');
    await writeFile(
      broken,
      `import { defineSpider } from 'arachne';
export default defineSpider({
  name: 'throws',
  start: ['http://example.invalid/'],
  *parse(page) {
    yield page.follow('/products/1');
    throw new Error('selector changed');
  },
});
`,
    );
    const result = await runCli(['parse', `${site.origin}/`, '--spider', broken]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `# Requests (1)\nGET ${site.origin}/products/1 → parse\n# Error: handler parse threw: selector changed\n`,
    );
  });

  it('names the handlers the spider has when --handler is unknown, exit code 2', async () => {
    const result = await runCli([
      'parse',
      `${site.origin}/`,
      '--spider',
      spider,
      '--handler',
      'nope',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('has no handler "nope" (it has: parse, detail)');
  });
});

const hasScript = spawnSync('script', ['--version']).status === 0;

/** `arachne parse` on a pseudo-terminal (util-linux script): its whole output, once it has exited 0. */
async function parseOnTerminal(args: string[], env: Record<string, string>): Promise<string> {
  const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, binPath, 'parse', ...args].map(quote).join(' ');
  const { NO_COLOR: _inherited, ...inherited } = process.env;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { ...inherited, TERM: 'xterm-256color', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child.stdout, child.stderr);
  const code = await within(
    new Promise<number | null>((resolve) => child.on('close', resolve)),
    30_000,
    () => `arachne parse to exit:\n${output.text()}`,
  );
  expect(code, output.text()).toBe(0);
  return output.text();
}

describe.skipIf(!hasScript)('arachne parse on a terminal', () => {
  const args = () => [`${site.origin}/products/1`, '--spider', spider, '--handler', 'detail'];
  // ESC [: how every colour code starts.
  const colourCode = '\x1b[';

  it('colours the page line, the items and the requests', async () => {
    const text = await parseOnTerminal(args(), {});
    expect(text).toContain(
      `\x1b[1m>>> ${site.origin}/products/1  [200]  handler detail, depth 0\x1b[0m`,
    );
    expect(text).toContain('\x1b[36m# Items (1)\x1b[0m');
    expect(text).toContain('\x1b[32m{\r\n  "title": "One",');
  });

  it('prints no colour codes with NO_COLOR set, on a terminal too', async () => {
    const text = await parseOnTerminal(args(), { NO_COLOR: '1' });
    expect(text).toContain('# Items (1)');
    expect(text).toContain('"title": "One"');
    expect(text).not.toContain(colourCode);
  });

  it('prints no colour codes into a pipe', async () => {
    // NO_COLOR empty counts as unset (no-color.org): only the pipe keeps the colour out.
    const result = await runCli(['parse', ...args()], {
      env: { NO_COLOR: '', TERM: 'xterm-256color' },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('# Items (1)');
    expect(result.stdout).not.toContain(colourCode);
  });
});
