import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInside } from '../../src/server/safe-path.js';

describe('resolveInside', () => {
  let root: string;
  let base: string;
  let outside: string;

  beforeAll(() => {
    root = realpathSync(mkdtempSync(path.join(tmpdir(), 'arachne-safe-path-')));
    base = path.join(root, 'data');
    outside = path.join(root, 'secret');
    mkdirSync(path.join(base, 'jobs'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'passwd'), 'root');
    writeFileSync(path.join(base, 'file.txt'), 'x');
    symlinkSync(outside, path.join(base, 'escape'));
    symlinkSync(path.join(outside, 'passwd'), path.join(base, 'escape-file'));
    symlinkSync(path.join(base, 'jobs'), path.join(base, 'jobs-link'));
    symlinkSync(path.join(outside, 'not-yet'), path.join(base, 'dangling'));
    symlinkSync(path.join(base, 'loop-b'), path.join(base, 'loop-a'));
    symlinkSync(path.join(base, 'loop-a'), path.join(base, 'loop-b'));
    symlinkSync(base, path.join(root, 'base-link'));
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  const refused = (relative: string, dir = base) =>
    expect(() => resolveInside(dir, relative), JSON.stringify(relative)).toThrow(
      expect.objectContaining({ code: 'AR_CONFIG' }),
    );

  it('joins plain names, nested paths and paths that do not exist yet', () => {
    expect(resolveInside(base, 'job-1.jsonl')).toBe(path.join(base, 'job-1.jsonl'));
    expect(resolveInside(base, 'jobs/3f2a/items.jsonl')).toBe(
      path.join(base, 'jobs', '3f2a', 'items.jsonl'),
    );
    expect(resolveInside(base, 'jobs/../file.txt')).toBe(path.join(base, 'file.txt'));
    expect(resolveInside(base, '..hidden')).toBe(path.join(base, '..hidden'));
    expect(resolveInside(path.join(root, 'missing-base'), 'a/b')).toBe(
      path.join(root, 'missing-base', 'a', 'b'),
    );
  });

  it('refuses .. that leaves the directory, in any position', () => {
    for (const relative of [
      '..',
      '../secret/passwd',
      'jobs/../../secret',
      'a/b/../../../x',
      './..',
    ]) {
      refused(relative);
    }
  });

  it('refuses absolute paths, even ones that point inside', () => {
    refused('/etc/passwd');
    refused(path.join(base, 'jobs'));
  });

  it('refuses the base directory itself', () => {
    for (const relative of ['', '.', 'jobs/..', './']) refused(relative);
  });

  it('refuses NUL bytes', () => {
    refused('job\0.jsonl');
    expect(() => resolveInside(`${base}\0`, 'a')).toThrow(
      expect.objectContaining({ code: 'AR_CONFIG' }),
    );
  });

  it('refuses symlinks that lead outside, whether to a directory or a file', () => {
    refused('escape');
    refused('escape/passwd');
    refused('escape/new-file');
    refused('escape-file');
  });

  it('refuses dangling symlinks and symlink loops', () => {
    refused('dangling');
    refused('dangling/x');
    refused('loop-a');
  });

  it('follows symlinks that stay inside, and accepts a base reached through a symlink', () => {
    expect(resolveInside(base, 'jobs-link/a.jsonl')).toBe(path.join(base, 'jobs', 'a.jsonl'));
    expect(resolveInside(path.join(root, 'base-link'), 'jobs/x')).toBe(
      path.join(base, 'jobs', 'x'),
    );
  });

  it('treats a path under a regular file as not existing yet rather than failing', () => {
    expect(resolveInside(base, 'file.txt/x')).toBe(path.join(base, 'file.txt', 'x'));
  });
});
