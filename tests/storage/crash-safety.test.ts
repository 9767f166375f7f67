import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Item } from '../../src/storage/sink.js';

const openSinkModule = fileURLToPath(new URL('../../src/storage/open-sink.ts', import.meta.url));

// Writes five batches without flush or close, says so, then waits to be killed.
const writer = `
const { openSink } = await import(process.env.SINK_MODULE);
const sink = openSink(process.env.OUTPUT);
await sink.open();
for (let batch = 0; batch < 5; batch++) {
  await sink.write(Array.from({ length: 3 }, (_, i) => ({ batch, i, text: 'ü'.repeat(50) })));
}
process.stdout.write('written\\n');
setInterval(() => {}, 1000);
`;

/** Runs the writer, SIGKILLs it once it reports its batches written, and returns the output file's text. */
async function writeThenKill(output: string): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writer], {
    env: { ...process.env, SINK_MODULE: openSinkModule, OUTPUT: output },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('written')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`writer exited early (${code}): ${stderr}`)));
  });
  const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return readFile(output, 'utf8');
}

const expected = Array.from({ length: 15 }, (_, n) => ({
  batch: Math.floor(n / 3),
  i: n % 3,
  text: 'ü'.repeat(50),
}));

describe('a crawl killed with SIGKILL between batches', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'arachne-crash-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every JSONL batch whose write resolved', async () => {
    const text = await writeThenKill(join(dir, 'out.jsonl'));
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line) as Item)).toEqual(expected);
  });

  it('leaves a JSON file that parses and holds every batch whose write resolved', async () => {
    const text = await writeThenKill(join(dir, 'out.json'));
    expect(JSON.parse(text)).toEqual(expected);
  });

  it('keeps every CSV row whose write resolved', async () => {
    const text = await writeThenKill(join(dir, 'out.csv'));
    const rows = text.split('\r\n');
    expect(rows.pop()).toBe('');
    expect(rows).toHaveLength(1 + expected.length);
    expect(rows[0]).toBe('batch,i,text');
  });
});
