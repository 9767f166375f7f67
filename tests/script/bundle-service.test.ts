// Run from the sources, the script rung bundles linkedom with esbuild once per process (`npm run build` does it
// once for dist/); esbuild's service process (about 40 MB resident) must not stay up for the rest of the crawl. Checked in a fresh Node process running the built dist/:
// a vitest worker shares its process with other test files, whose esbuild services (tsx loading a spider) would
// blur which child is whose.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const bundleModule = new URL('../../dist/script/bundle.js', import.meta.url).href;

const probe = `
import { readdirSync, readFileSync } from 'node:fs';
import { buildPrelude } from ${JSON.stringify(bundleModule)};

/** Command names of this process's live children (every thread's children list). */
function childCommands() {
  const names = [];
  for (const task of readdirSync('/proc/self/task')) {
    let list = '';
    try { list = readFileSync('/proc/self/task/' + task + '/children', 'utf8').trim(); } catch { continue; }
    for (const pid of list ? list.split(' ') : []) {
      try { names.push(readFileSync('/proc/' + pid + '/comm', 'utf8').trim()); } catch {}
    }
  }
  return names;
}

const prelude = await buildPrelude();
if (!prelude.includes('__parseHTML')) throw new Error('the prelude has no linkedom');
// Killed by esbuild's stop(); its exit is asynchronous. Without the stop it stays for the process's life.
const deadline = Date.now() + 5000;
while (childCommands().includes('esbuild')) {
  if (Date.now() > deadline) throw new Error('esbuild’s service process is still running after 5 s');
  await new Promise((resolve) => setTimeout(resolve, 20));
}
process.stdout.write('gone');
`;

describe.runIf(process.platform === 'linux')('the linkedom bundle', () => {
  it('is built, and esbuild’s service process is gone afterwards', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', probe],
      {
        timeout: 20_000,
      },
    );
    expect(stdout).toBe('gone');
  });
});
