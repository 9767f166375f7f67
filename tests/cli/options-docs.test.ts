import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { docsTables, withTable } from '../../src/cli/options-docs.js';

describe('the options tables in the docs', () => {
  it.each(docsTables.map((table) => [table.file, table] as const))(
    '%s holds the table rendered from the option specs (else run npm run docs:options)',
    async (file, { marker, render }) => {
      const text = await readFile(new URL(`../../${file}`, import.meta.url), 'utf8');
      expect(text, `${file} is stale: run npm run docs:options`).toBe(
        withTable(text, marker, render()),
      );
    },
  );
});
