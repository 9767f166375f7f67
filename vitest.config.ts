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
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
