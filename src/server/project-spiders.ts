/** The spiders of a project directory, found by loading its files in a child process; rescanned when files change. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { forkChild } from './fork-child.js';
import { isChildMessage } from './ipc.js';
import type { SpiderScan } from './types.js';

const spiderFile = /^[^.].*\.(?:ts|js|mjs)$/;
/** A project's tests (`arachne new` writes spiders/<name>.test.ts): loading one would run it, so it is no spider. */
const testFile = /\.(?:test|spec)\.(?:ts|js|mjs)$/;

export class ProjectSpiders {
  readonly #dir: string;
  readonly #timeoutMs: number;
  #signature = '';
  #result: SpiderScan | undefined;
  #pending: Promise<SpiderScan> | undefined;

  /** @param timeoutMs how long loading all files may take. @default 60_000 */
  constructor(dir: string, timeoutMs = 60_000) {
    this.#dir = dir;
    this.#timeoutMs = timeoutMs;
  }

  get dir(): string {
    return this.#dir;
  }

  /** The project's spiders, and the files that failed to load. */
  async scan(): Promise<SpiderScan> {
    const files = this.#files();
    const signature = files.map((file) => `${file.name}:${file.mtimeMs}:${file.size}`).join('|');
    if (this.#result && signature === this.#signature) return this.#result;
    if (this.#pending) return this.#pending;
    this.#pending = scanInChild(
      this.#dir,
      files.map((file) => file.name),
      this.#timeoutMs,
    ).finally(() => (this.#pending = undefined));
    const result = await this.#pending;
    this.#result = result;
    this.#signature = signature;
    return result;
  }

  /** The absolute path of the spider named `name`; the path comes from the directory listing, never from `name`. */
  async fileOf(name: string): Promise<string | undefined> {
    const entry = (await this.scan()).spiders.find((spider) => spider.name === name);
    return entry ? join(this.#dir, entry.file) : undefined;
  }

  #files(): Array<{ name: string; mtimeMs: number; size: number }> {
    const names = readdirSync(this.#dir, { withFileTypes: true })
      .filter(
        (entry) =>
          entry.isFile() &&
          spiderFile.test(entry.name) &&
          !testFile.test(entry.name) &&
          !entry.name.endsWith('.d.ts'),
      )
      .map((entry) => entry.name)
      .sort();
    return names.map((name) => {
      const { mtimeMs, size } = statSync(join(this.#dir, name));
      return { name, mtimeMs, size };
    });
  }
}

function scanInChild(dir: string, files: string[], timeoutMs: number): Promise<SpiderScan> {
  if (files.length === 0) return Promise.resolve({ spiders: [], errors: [] });
  return new Promise((resolve) => {
    const child = forkChild({ mode: 'scan', dir, files }, 'ignore');
    let result: SpiderScan | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('message', (message: unknown) => {
      if (isChildMessage(message) && message.type === 'scan') result = message.result;
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const why =
        signal === 'SIGKILL' ? `timed out after ${timeoutMs} ms` : `exit ${code ?? signal}`;
      resolve(
        result ?? {
          spiders: [],
          errors: files.map((file) => ({ file, message: `scan failed (${why})` })),
        },
      );
    });
  });
}
