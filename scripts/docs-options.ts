// Writes the options tables, rendered from src/crawler/option-specs.ts, into README.md and docs/server.md.
import { readFile, writeFile } from 'node:fs/promises';
import { docsTables, withTable } from '../src/cli/options-docs.js';

for (const { file, marker, render } of docsTables) {
  const path = new URL(`../${file}`, import.meta.url);
  const before = await readFile(path, 'utf8');
  const after = withTable(before, marker, render());
  if (after !== before) await writeFile(path, after);
  process.stdout.write(`${file}: ${after === before ? 'up to date' : 'updated'}\n`);
}
