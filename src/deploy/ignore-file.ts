/**
 * The project's top-level `.gitignore`, read as `arachne deploy` needs it: which files stay home (`items.*`, local
 * caches). A subset of Git's rules: `*`, `?` and `**` globs, a trailing `/` for directories, a leading or inner
 * `/` anchoring the pattern to the project's top; `!` negations and nested .gitignore files are not read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Rule {
  pattern: RegExp;
  /** Matches against the whole relative path (anchored), else against each path's last segment. */
  anchored: boolean;
  dirOnly: boolean;
}

export type IgnoreTest = (path: string, isDir: boolean) => boolean;

export function readIgnoreFile(root: string): IgnoreTest {
  let text: string;
  try {
    text = readFileSync(join(root, '.gitignore'), 'utf8');
  } catch {
    return () => false;
  }
  const rules = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'))
    .map(toRule);
  return (path, isDir) => {
    const name = path.slice(path.lastIndexOf('/') + 1);
    return rules.some(
      (rule) => (isDir || !rule.dirOnly) && rule.pattern.test(rule.anchored ? path : name),
    );
  };
}

function toRule(line: string): Rule {
  const dirOnly = line.endsWith('/');
  let body = dirOnly ? line.slice(0, -1) : line;
  const anchored = body.includes('/');
  if (body.startsWith('/')) body = body.slice(1);
  return { pattern: new RegExp(`^${globToRegExp(body)}$`), anchored, dirOnly };
}

function globToRegExp(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '*' && glob[i + 1] === '*') {
      // `**/` matches any number of directories, `**` at the end anything below.
      out += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (char === '*') out += '[^/]*';
    else if (char === '?') out += '[^/]';
    else out += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}
