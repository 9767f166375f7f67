import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';

let dir: string;
let site: LocalServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arachne-spiders-'));
  site = await startLocalServer({ '/': '<a href="/next">next</a>', '/next': '<p>hi</p>' });
});
afterAll(() => site.close());

async function spiderFile(name: string, source: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, source);
  return path;
}

function expectOneLine(stderr: string, ...parts: string[]): void {
  const lines = stderr.trim().split('\n');
  const errorLine = lines.find((line) => line.startsWith('arachne crawl:'));
  expect(errorLine, stderr).toBeDefined();
  for (const part of parts) expect(errorLine).toContain(part);
}

describe('arachne crawl with a broken spider file', () => {
  it('names the file and the syntax error, exit code 2', async () => {
    const path = await spiderFile(
      'broken.ts',
      'export default defineSpider({ name: "x", start: [\n',
    );
    const result = await runCli(['crawl', path]);
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, 'broken.ts', 'syntax error');
  });

  it('points at the syntax error as file:line:column', async () => {
    const path = await spiderFile(
      'typo-syntax.ts',
      "import { defineSpider } from 'arachne';\nconst title = ;\n",
    );
    const result = await runCli(['crawl', path]);
    expect(result.code).toBe(2);
    // esbuild's column 14 is 0-based; editors and terminals count from 1.
    expectOneLine(result.stderr, `${path}:2:15: syntax error: Unexpected ";"`);
  });

  it('points at a top-level throw in the TypeScript source as file:line:column', async () => {
    // An ES module project, as `arachne new` makes: the position is mapped back to the .ts source.
    const project = join(dir, 'esm-project');
    await mkdir(project, { recursive: true });
    await writeFile(join(project, 'package.json'), '{"type":"module"}\n');
    const path = join(project, 'throws.ts');
    await writeFile(
      path,
      `import { defineSpider } from 'arachne';
const retries: number = 3;
if (retries > 0) throw new Error('no API key set');
export default defineSpider({ name: 'x', start: ['http://127.0.0.1:9/'], parse() {} });
`,
    );
    const result = await runCli(['crawl', path]);
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, `${path}:3:24: no API key set`);
  });

  it('names the file when there is no default export, exit code 2', async () => {
    const path = await spiderFile('nodefault.ts', 'export const spider = 1;\n');
    const result = await runCli(['crawl', path]);
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, 'nodefault.ts', 'no default export');
  });

  it('names the file when the default export is not a spider, exit code 2', async () => {
    const path = await spiderFile('notaspider.js', 'export default { hello: "world" };\n');
    const result = await runCli(['crawl', path]);
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, 'notaspider.js', 'not a spider');
  });

  it('names the file and the unknown handler a request asked for, exit code 2', async () => {
    const path = await spiderFile(
      'typo.js',
      `import { defineSpider } from 'arachne';
export default defineSpider({
  name: 'typo',
  start: ['${site.origin}/'],
  *parse(page) { for (const link of page.links()) yield page.follow(link, 'detial'); },
  detail() {},
});
`,
    );
    const result = await runCli(['crawl', path, '--no-progress']);
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, 'typo.js', 'unknown handler "detial"', 'parse, detail');
  });

  it('reports a missing file, exit code 2', async () => {
    const result = await runCli(['crawl', join(dir, 'missing.ts')]);
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, 'missing.ts', 'no such spider file');
  });

  it('rejects a bad URL and a bad flag value with exit code 2', async () => {
    const badUrl = await runCli(['crawl', 'http://exa mple.com/']);
    expect(badUrl.code).toBe(2);
    expectOneLine(badUrl.stderr, 'not a valid URL');
    const badFlag = await runCli(['crawl', `${site.origin}/`, '--concurrency', 'lots']);
    expect(badFlag.code).toBe(2);
    expectOneLine(badFlag.stderr, '--concurrency');
  });
});
