/** `arachne new DIR` and `arachne new spider NAME URL` (issue 12 §1), through the built binary in a temp dir. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { version } from '../../src/version.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';

let dir: string;
let site: LocalServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arachne-new-'));
  site = await startLocalServer({
    '/': '<a href="/products/1">one</a> <a href="/page/2">next</a>',
    '/products/1': '<h1>One</h1>',
    '/page/2': '<p>more</p>',
  });
});
afterAll(() => site.close());

describe('arachne new DIR', () => {
  it('creates a project whose spider crawls the site given with --url', async () => {
    const created = await runCli(['new', 'shop-project', '--url', `${site.origin}/`], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    const project = join(dir, 'shop-project');
    for (const file of ['package.json', 'tsconfig.json', 'README.md', '.gitignore']) {
      expect(existsSync(join(project, file)), file).toBe(true);
    }
    const manifest = JSON.parse(await readFile(join(project, 'package.json'), 'utf8'));
    expect(manifest.dependencies).toEqual({ arachne: `^${version}` });
    expect(manifest.type).toBe('module');
    expect(manifest.scripts.test).toContain('--test');
    // 127.0.0.1 has no name to take: the spider is "site".
    expect(existsSync(join(project, 'spiders/site.test.ts'))).toBe(true);
    const spider = await readFile(join(project, 'spiders/site.ts'), 'utf8');
    expect(spider).toContain(`start: ['${site.origin}/']`);
    expect(spider).toContain("allowedDomains: ['127.0.0.1']");

    const crawled = await runCli(['crawl', 'spiders/site.ts', '--max-pages', '1'], {
      cwd: project,
    });
    expect(crawled.code, crawled.stderr).toBe(0);
    expect(crawled.stdout).toMatch(/pages fetched\s+1/);

    // Its contract holds on the site, through the npm script a CI would run.
    expect(manifest.scripts.check).toBe('arachne check spiders/site.ts');
    const checked = await runCli(['check', 'spiders/site.ts'], { cwd: project });
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    expect(checked.stdout).toContain(`✓ site parse ${site.origin}/\n`);
  });

  it('creates a project that typechecks and whose node:test test passes', async () => {
    const created = await runCli(['new', 'checked'], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    const project = join(dir, 'checked');
    // What `npm install` would provide: this checkout (built by the global setup) as arachne, and its tools.
    const repo = fileURLToPath(new URL('../..', import.meta.url));
    const modules = join(repo, 'node_modules');
    await mkdir(join(project, 'node_modules/@types'), { recursive: true });
    await symlink(repo, join(project, 'node_modules/arachne'));
    for (const name of ['@types/node', 'tsx', 'typescript']) {
      await symlink(join(modules, name), join(project, 'node_modules', name));
    }
    const run = promisify(execFile);
    await run(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.'], {
      cwd: project,
    });
    const tested = await run(
      process.execPath,
      ['--import', 'tsx', '--test', 'spiders/example.test.ts'],
      { cwd: project },
    );
    expect(tested.stdout).toMatch(/# pass 2\n# fail 0/);
  });

  it('refuses to overwrite an existing project and writes nothing', async () => {
    await runCli(['new', 'twice'], { cwd: dir });
    await writeFile(join(dir, 'twice', 'README.md'), 'mine');
    const again = await runCli(['new', 'twice'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr.trim().split('\n')).toEqual([
      `arachne new: ${join('twice', 'package.json')} already exists; not overwriting it (remove it or pick another name)`,
    ]);
    expect(await readFile(join(dir, 'twice', 'README.md'), 'utf8')).toBe('mine');
  });
});

describe('arachne new spider NAME URL', () => {
  it('adds spiders/NAME.ts for the site, with parse and detail handlers', async () => {
    const project = await mkdtemp(join(dir, 'project-'));
    const result = await runCli(['new', 'spider', 'books', `${site.origin}/`], { cwd: project });
    expect(result.code, result.stderr).toBe(0);
    const source = await readFile(join(project, 'spiders/books.ts'), 'utf8');
    expect(source).toContain("name: 'books'");
    expect(source).toContain("allowedDomains: ['127.0.0.1']");
    expect(source).toMatch(/\*parse\(page\)/);
    expect(source).toMatch(/\*detail\(page\)/);

    // The skeleton runs as it is: the start page, then the detail page it links to, yielding its item.
    const crawled = await runCli(['crawl', 'spiders/books.ts', '-o', 'items.jsonl'], {
      cwd: project,
    });
    expect(crawled.code, crawled.stderr).toBe(0);
    const items = (await readFile(join(project, 'items.jsonl'), 'utf8')).trim().split('\n');
    expect(items.map((line) => JSON.parse(line))).toEqual([
      { url: `${site.origin}/products/1`, title: 'One' },
    ]);
  });

  it('refuses to overwrite an existing spider file', async () => {
    const project = await mkdtemp(join(dir, 'project-'));
    await runCli(['new', 'spider', 'books', `${site.origin}/`], { cwd: project });
    await writeFile(join(project, 'spiders/books.ts'), '// mine\n');
    const again = await runCli(['new', 'spider', 'books', 'https://example.org/'], {
      cwd: project,
    });
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      `arachne new: ${join('spiders', 'books.ts')} already exists; not overwriting it (remove it or pick another name)\n`,
    );
    expect(await readFile(join(project, 'spiders/books.ts'), 'utf8')).toBe('// mine\n');
  });
});
