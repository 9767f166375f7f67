// The script rung bundles linkedom with esbuild once per process; esbuild's service process (about 40 MB
// resident) must not stay up for the rest of the crawl.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contextPrelude } from '../../src/script/bundle.js';
import { waitFor } from '../helpers/wait.js';

/** Command names of this process's live children (every thread's children list). */
function childCommands(): string[] {
  const names: string[] = [];
  for (const task of readdirSync('/proc/self/task')) {
    let list = '';
    try {
      list = readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim();
    } catch {
      continue; // the thread ended meanwhile
    }
    for (const pid of list ? list.split(' ') : []) {
      try {
        names.push(readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
      } catch {
        // exited meanwhile
      }
    }
  }
  return names;
}

describe.runIf(process.platform === 'linux')('the linkedom bundle', () => {
  it('is built, and esbuild’s service process is gone afterwards', async () => {
    const prelude = await contextPrelude();
    expect(prelude).toContain('__parseHTML');
    // Killed by esbuild's stop(); its exit is asynchronous. Without the stop it stays for the process's life.
    await waitFor(
      'esbuild’s service process to exit',
      () => (childCommands().includes('esbuild') ? undefined : true),
      { timeoutMs: 5_000 },
    );
  });
});
