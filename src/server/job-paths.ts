/** Where a job's files live: DATA_DIR/jobs/<id>/, built from server-made ids only. */

import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveInside } from './safe-path.js';
import type { ExportFormat } from './types.js';

const idPattern = /^[0-9a-f]{16}$/;

/** A new job or schedule id: 16 lowercase hex characters. */
export function newId(): string {
  return randomBytes(8).toString('hex');
}

/** True for strings shaped like the ids the server makes (anything else is never used in a path). */
export function isId(value: string): boolean {
  return idPattern.test(value);
}

export interface JobPaths {
  dir: string;
  state: string;
  output: string;
  log: string;
  stats: string;
}

const exportNames: Record<ExportFormat, string> = {
  csv: 'items.csv',
  json: 'items.json',
  xml: 'items.xml',
  sqlite: 'items.db',
};

/** The file a job's export in `format` is written to, inside its directory. */
export function exportPath(dir: string, format: ExportFormat): string {
  return join(dir, exportNames[format]);
}

/** The job's directory (created) and files; `output` is a client-given relative name kept inside the directory. */
export function jobPaths(dataDir: string, id: string, output: string): JobPaths {
  if (!isId(id)) throw new Error(`not a job id: ${id}`);
  const dir = join(dataDir, 'jobs', id);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return {
    dir,
    state: join(dir, 'state.db'),
    output: resolveInside(dir, output),
    log: join(dir, 'log.txt'),
    stats: join(dir, 'stats.json'),
  };
}
