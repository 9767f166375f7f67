// The compiled-spider cache of `arachne crawl spider.ts` (src/loader/compile-cache.ts), through the real binary:
// each test gives the CLI its own cache directory, so what it holds shows which loader ran.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { binPath, runCli } from '../helpers/run-cli.js';
import { collectOutput, waitFor } from '../helpers/wait.js';

let dir: string;
let site: LocalServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arachne-compile-cache-'));
  site = await startLocalServer({ '/': '<title>Home</title><p>hi</p>' });
});
afterAll(() => site.close());

/** A fresh project directory and cache directory for one test. */
async function project(name: string): Promise<{ root: string; cache: string }> {
  const root = join(dir, name);
  const cache = join(dir, `${name}-cache`);
  await mkdir(root, { recursive: true });
  return { root, cache };
}

/** Makes `root` an ES-module project with a package `local-pkg` in its node_modules (a spider for tsx). */
async function moduleProjectWithPackage(root: string, packageSource: string): Promise<void> {
  await writeFile(join(root, 'package.json'), '{"type":"module"}\n');
  const pkg = join(root, 'node_modules', 'local-pkg');
  await mkdir(pkg, { recursive: true });
  await writeFile(
    join(pkg, 'package.json'),
    '{"name":"local-pkg","type":"module","exports":"./index.js"}\n',
  );
  await writeFile(join(pkg, 'index.js'), packageSource);
}

function spiderSource(body: string, imports = ''): string {
  return `import { defineSpider } from 'arachne';
${imports}
export default defineSpider({
  name: 'cached',
  start: '${site.origin}/',
  async *parse(page) {
${body}
  },
});
`;
}

/** `cwd`: where the command runs (tsx reads the tsconfig.json there: this repository's maps `arachne` to src/). */
async function crawl(
  spider: string,
  cache: string,
  cwd?: string,
): Promise<{ items: unknown[]; stderr: string; code: number | null }> {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}.jsonl`);
  const result = await runCli(['crawl', spider, '-o', out, '--log-level', 'error'], {
    env: { ARACHNE_CACHE_DIR: cache },
    ...(cwd !== undefined && { cwd }),
  });
  const text = result.code === 0 ? await readFile(out, 'utf8') : '';
  const items = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
  return { items, stderr: result.stderr, code: result.code };
}

async function cachedModules(cache: string): Promise<string[]> {
  const names = await readdir(join(cache, 'spiders')).catch(() => []);
  return names.filter((name) => name.endsWith('.mjs'));
}

describe('arachne crawl: the compiled spider cache', () => {
  it('compiles a spider once into the cache and recompiles it when it changes', async () => {
    const { root, cache } = await project('edit');
    const spider = join(root, 'spider.ts');
    await writeFile(spider, spiderSource('    const v: number = 1;\n    yield { v };'));
    const first = await crawl(spider, cache);
    expect(first.items, first.stderr).toEqual([{ v: 1 }]);
    expect(await cachedModules(cache)).toHaveLength(1);

    await writeFile(spider, spiderSource('    const v: number = 2;\n    yield { v };'));
    const second = await crawl(spider, cache);
    expect(second.items, second.stderr).toEqual([{ v: 2 }]);
    // One entry per spider path: the edit replaced it rather than adding one.
    expect(await cachedModules(cache)).toHaveLength(1);
  });

  it('bundles relative TypeScript imports, and a change in an imported module counts as a change', async () => {
    const { root, cache } = await project('relative');
    await mkdir(join(root, 'lib'), { recursive: true });
    await writeFile(join(root, 'lib', 'label.ts'), "export const label: string = 'one';\n");
    const spider = join(root, 'spider.ts');
    await writeFile(
      spider,
      spiderSource(
        "    yield { label, title: page.select('title').text() };",
        "import { label } from './lib/label.js';",
      ),
    );
    const first = await crawl(spider, cache);
    expect(first.items, first.stderr).toEqual([{ label: 'one', title: 'Home' }]);
    expect(await cachedModules(cache)).toHaveLength(1);

    await writeFile(join(root, 'lib', 'label.ts'), "export const label: string = 'two';\n");
    const second = await crawl(spider, cache);
    expect(second.items, second.stderr).toEqual([{ label: 'two', title: 'Home' }]);
  });

  it('points a top-level throw in a cached spider at its .ts file:line:column', async () => {
    const { root, cache } = await project('throws');
    const spider = join(root, 'throws.ts');
    await writeFile(
      spider,
      `import { defineSpider } from 'arachne';
const retries: number = 3;
if (retries > 0) throw new Error('no API key set');
export default defineSpider({ name: 'x', start: ['http://127.0.0.1:9/'], parse() {} });
`,
    );
    // Twice: the first run compiles, the second imports the cached module.
    for (let run = 0; run < 2; run++) {
      const result = await crawl(spider, cache);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`arachne crawl: ${spider}:3:24: no API key set`);
    }
    expect(await cachedModules(cache)).toHaveLength(1);
  });

  it('points a syntax error in an imported module at that file:line:column', async () => {
    const { root, cache } = await project('syntax');
    await writeFile(join(root, 'helper.ts'), 'export const x = ;\n');
    const spider = join(root, 'spider.ts');
    await writeFile(spider, spiderSource('    yield { x };', "import { x } from './helper.ts';"));
    const result = await crawl(spider, cache);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${join(root, 'helper.ts')}:1:18`);
    expect(result.stderr).toContain('syntax error');
  });

  it('leaves to tsx a spider that reads its own location or imports another package', async () => {
    const { root, cache } = await project('tsx');
    await moduleProjectWithPackage(root, "export const pkg = 'pkg';\n");
    await writeFile(join(root, 'data.txt'), 'beside\n');
    const located = join(root, 'located.ts');
    await writeFile(
      located,
      spiderSource(
        "    yield { data: readFileSync(new URL('./data.txt', import.meta.url), 'utf8').trim() };",
        "import { readFileSync } from 'node:fs';",
      ),
    );
    const withPackage = join(root, 'with-package.ts');
    await writeFile(
      withPackage,
      spiderSource('    yield { pkg };', "import { pkg } from 'local-pkg';"),
    );

    const fromLocation = await crawl(located, cache);
    expect(fromLocation.items, fromLocation.stderr).toEqual([{ data: 'beside' }]);
    const fromPackage = await crawl(withPackage, cache);
    expect(fromPackage.items, fromPackage.stderr).toEqual([{ pkg: 'pkg' }]);
    expect(await cachedModules(cache)).toEqual([]);
  });

  // Another copy would still crawl, but load every module again and hand the spider classes the engine's objects
  // are not instances of. The CLI runs the bundle (dist/bundle/): its spiders must get the bundle's modules.
  it("gives a spider the engine's own copy of arachne, compiled or through tsx", async () => {
    const { root, cache } = await project('identity');
    await moduleProjectWithPackage(root, 'export const pkg = 1;\n');
    const compiled = join(root, 'compiled.ts');
    await writeFile(
      compiled,
      spiderSource('    yield { own: page instanceof Page };', "import { Page } from 'arachne';"),
    );
    const viaTsx = join(root, 'via-tsx.ts');
    await writeFile(
      viaTsx,
      spiderSource(
        '    yield { own: page instanceof Page, pkg };',
        "import { Page } from 'arachne';\nimport { pkg } from 'local-pkg';",
      ),
    );
    const fromCache = await crawl(compiled, cache, root);
    expect(fromCache.items, fromCache.stderr).toEqual([{ own: true }]);
    expect(await cachedModules(cache)).toHaveLength(1);
    const fromTsx = await crawl(viaTsx, cache, root);
    expect(fromTsx.items, fromTsx.stderr).toEqual([{ own: true, pkg: 1 }]);
  });

  it.runIf(process.platform === 'linux')(
    'leaves no esbuild service running for the rest of a crawl whose spider it just compiled',
    async () => {
      const { root, cache } = await project('no-service');
      // A page that answers after 2 s: the crawl is still running when its children are read.
      const slow = await startLocalServer((_req, res) => {
        setTimeout(
          () => res.writeHead(200, { 'content-type': 'text/html' }).end('<p>late</p>'),
          2_000,
        );
      });
      try {
        const spider = join(root, 'spider.ts');
        await writeFile(
          spider,
          spiderSource('    yield { text: page.text("p") };').replace(site.origin, slow.origin),
        );
        const child = spawn(
          process.execPath,
          [binPath, 'crawl', spider, '-o', join(root, 'items.jsonl')],
          {
            env: { ...process.env, ARACHNE_CACHE_DIR: cache },
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        );
        const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
        const stderr = collectOutput(child.stderr);
        await stderr.match(/spider "cached" opened/);
        expect(await cachedModules(cache)).toHaveLength(1); // compiled by this run, with esbuild
        // esbuild's stop() kills its service; the exit itself is asynchronous.
        await waitFor('no esbuild child of the crawl', () =>
          childCommands(child.pid ?? 0).includes('esbuild') ? undefined : true,
        );
        expect(await exited, stderr.text()).toBe(0);
        expect(await readFile(join(root, 'items.jsonl'), 'utf8')).toContain('late');
      } finally {
        await slow.close();
      }
    },
  );
});

/** Command names of a process's live children (every thread's children list). */
function childCommands(pid: number): string[] {
  const names: string[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    let list = '';
    try {
      list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    } catch {
      continue; // the thread ended meanwhile
    }
    for (const child of list ? list.split(' ') : []) {
      try {
        names.push(readFileSync(`/proc/${child}/comm`, 'utf8').trim());
      } catch {
        // exited meanwhile
      }
    }
  }
  return names;
}
