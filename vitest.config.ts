import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Spider files in examples/ and tests import 'arachne': point it at the sources under test.
  resolve: { alias: [{ find: /^arachne$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) }] },
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    reporters: ['default', './tests/summary-reporter.ts'],
    // Most files wait on servers, child processes and timers: three at once on a 2-core machine take the suite
    // from 670 s to 430 s; four shaved 60 s more but broke the 5 % tolerance of a politeness-gap test.
    maxWorkers: 3,
    // Files share their worker's module cache instead of each importing src/ afresh (about 0.5 CPU s per file):
    // the suite is CPU-bound on 2 cores, and this took it from 709 to 607 CPU s (370 → 323 s). Tests therefore
    // must not leave global state behind (fake timers, process.env, the global dispatcher): restore it in afterEach.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
