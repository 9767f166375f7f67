// `npm run build` writes the script rung's context prelude into dist/, so a crawl does not bundle linkedom with
// esbuild at start (about 0.3 s of CPU and a service process). The global setup builds dist/ before the tests.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPrelude, PRELUDE_FILE } from '../../src/script/bundle.js';
import { startLocalServer } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';

const builtFile = new URL(`../../dist/script/${PRELUDE_FILE}`, import.meta.url);

// Node flags that make any ESM import of esbuild throw in the process they start.
const hook = `export async function resolve(specifier, context, next) {
  if (specifier === 'esbuild' || specifier.startsWith('esbuild/')) throw new Error('esbuild was loaded');
  return next(specifier, context);
}`;
const register = `import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
const withoutEsbuild = ['--import', `data:text/javascript,${encodeURIComponent(register)}`];

describe('the prebuilt script prelude', () => {
  it('is what esbuild builds from the sources now', async () => {
    expect(await readFile(builtFile, 'utf8')).toBe(await buildPrelude());
  });

  it('is what a --render script crawl of the CLI runs: esbuild is never loaded', async () => {
    const site = await startLocalServer({
      '/': `<ul id="q"></ul><script>
document.getElementById('q').innerHTML = ['one', 'two'].map(function (q) { return '<li>' + q + '</li>'; }).join('');
</script>`,
    });
    const dir = await mkdtemp(join(tmpdir(), 'arachne-prelude-'));
    const spiderFile = join(dir, 'spider.ts');
    await writeFile(
      spiderFile,
      `import { defineSpider } from 'arachne';
export default defineSpider({ name: 'q', start: '${site.origin}/', *parse(page) {
  for (const li of page.select('#q li')) yield { q: li.text() };
} });
`,
    );
    const out = join(dir, 'items.jsonl');
    const args = ['crawl', spiderFile, '--render', 'script', '--no-progress', '-o'];
    // The first run compiles the spider with esbuild into the compile cache; the second finds it there.
    const first = await runCli([...args, join(dir, 'first.jsonl')]);
    expect(first.code, first.stderr).toBe(0);
    const result = await runCli([...args, out], { nodeArgs: withoutEsbuild });
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(out, 'utf8')).toBe('{"q":"one"}\n{"q":"two"}\n');
  });
});
