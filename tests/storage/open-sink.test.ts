import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { CsvSink } from '../../src/storage/csv-sink.js';
import { JsonSink } from '../../src/storage/json-sink.js';
import { JsonlSink } from '../../src/storage/jsonl-sink.js';
import { openSink } from '../../src/storage/open-sink.js';

const run = promisify(execFile);
const openSinkModule = fileURLToPath(new URL('../../src/storage/open-sink.ts', import.meta.url));

describe('openSink', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'arachne-open-sink-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['out.jsonl', JsonlSink],
    ['out.ndjson', JsonlSink],
    ['OUT.JSONL', JsonlSink],
    ['out.csv', CsvSink],
    ['data/out.Csv', CsvSink],
    ['out.json', JsonSink],
    ['-', JsonlSink],
  ])('chooses the sink for %s', (target, kind) => {
    expect(openSink(target === '-' ? target : join(dir, target))).toBeInstanceOf(kind);
  });

  it.each(['out.txt', 'out', 'out.json.gz', ''])(
    'rejects %j with a ConfigError naming the accepted outputs',
    (target) => {
      const attempt = () => openSink(target);
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(
        /\.jsonl, \.ndjson, \.csv, \.jsonl\.gz, \.ndjson\.gz, \.csv\.gz, \.xml, \.json, \.parquet, or "-"/,
      );
    },
  );

  it('passes append on to file sinks', async () => {
    const path = join(dir, 'out.jsonl');
    for (const n of [1, 2]) {
      const sink = openSink(path, { append: true });
      await sink.open();
      await sink.write([{ n }]);
      await sink.close();
    }
    expect(await readFile(path, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
  });

  it('passes onWarning on to the CSV sink', async () => {
    const warnings: string[] = [];
    const sink = openSink(join(dir, 'out.csv'), { onWarning: (message) => warnings.push(message) });
    await sink.open();
    await sink.write([{ a: 1 }]);
    await sink.write([{ a: 2, b: 3 }]);
    await sink.close();
    expect(warnings).toHaveLength(1);
  });

  it('writes JSON Lines to stdout for "-" and lets the process exit normally', async () => {
    const script = `
      const { openSink } = await import(process.env.SINK_MODULE);
      const sink = openSink('-');
      await sink.open();
      await sink.write([{ n: 1, text: 'ü 🕷' }]);
      await sink.write([{ n: 2, nested: { list: [1, 2] } }]);
      await sink.close();
      process.stderr.write('closed');
    `;
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { env: { ...process.env, SINK_MODULE: openSinkModule } },
    );
    expect(stdout).toBe('{"n":1,"text":"ü 🕷"}\n{"n":2,"nested":{"list":[1,2]}}\n');
    expect(stderr).toBe('closed');
  });
});
