/** Joins an untrusted relative path (job id, export name, spider name) to a base directory it may not leave. */
import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';

/**
 * `baseDir/relative`, with symlinks in its existing part resolved, guaranteed to lie strictly inside `baseDir`
 * (itself resolved the same way). Neither `baseDir` nor the result needs to exist yet.
 * @throws ConfigError for a NUL byte, an absolute `relative`, a result outside `baseDir` or equal to it (`.`,
 *   `a/..`: deleting "the job directory" must never mean the whole base), a symlink leading out, a dangling
 *   symlink (where it would lead cannot be checked), or a symlink loop.
 * @example
 * const file = resolveInside(dataDir, `${jobId}.jsonl`);
 */
export function resolveInside(baseDir: string, relative: string): string {
  if (baseDir.includes('\0') || relative.includes('\0')) {
    throw new ConfigError('path contains a NUL byte');
  }
  if (path.isAbsolute(relative)) throw new ConfigError(`path must be relative: ${relative}`);
  const base = realpathOfExisting(path.resolve(baseDir));
  const lexical = path.resolve(base, relative);
  assertStrictlyInside(base, lexical, relative);
  const real = realpathOfExisting(lexical);
  assertStrictlyInside(base, real, relative);
  return real;
}

function assertStrictlyInside(base: string, candidate: string, relative: string): void {
  const rel = path.relative(base, candidate);
  const escapes = rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
  if (rel === '' || escapes) {
    throw new ConfigError(`path escapes its directory: ${JSON.stringify(relative)}`);
  }
}

/** realpath of the longest existing prefix, with the missing rest appended. */
function realpathOfExisting(target: string): string {
  const missing: string[] = [];
  let current = target;
  // Bounded: each turn moves one level up, and the root always exists.
  for (;;) {
    try {
      return path.join(realpathSync.native(current), ...missing.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw new ConfigError(`symlink loop in path: ${target}`);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        throw new ConfigError(`cannot resolve path ${target}: ${code ?? String(error)}`, {
          cause: error,
        });
      }
      if (isSymlink(current)) throw new ConfigError(`dangling symlink in path: ${current}`);
      const parent = path.dirname(current);
      if (parent === current) return target;
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

function isSymlink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}
