/**
 * What `arachne deploy` uploads: a project directory's files (spiders, package.json, lockfile, local `file:`
 * packages inside it) as a .tar.gz, leaving out what never belongs in a deploy (installed packages, Git's data,
 * Arachne's own data directories) and what the project's .gitignore lists (crawl outputs, caches).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { type IgnoreTest, readIgnoreFile } from './ignore-file.js';
import { packTarGz, type TarEntry } from './tar.js';

/** Directory names skipped at any depth, whatever the .gitignore says. */
export const excludedDirs: ReadonlySet<string> = new Set([
  'node_modules',
  '.git',
  '.arachne',
  '.arachne-cache',
]);

export interface PackedProject {
  archive: Buffer;
  /** Relative paths, sorted. */
  files: string[];
  /** Symlinks and other non-regular files left out (the server would refuse them). */
  skipped: string[];
  /** From package.json "name" (scope dropped), else the directory's name; made fit for a project name. */
  defaultName: string;
}

export function packProject(dir: string): PackedProject {
  const root = resolve(dir);
  const files: string[] = [];
  const skipped: string[] = [];
  walk(root, '', readIgnoreFile(root), files, skipped);
  files.sort();
  if (files.length === 0) throw new ConfigError(`${dir}: no files to deploy`);
  const manifest = readManifest(root);
  checkLocalPackages(root, manifest);
  const entries: TarEntry[] = files.map((name) => ({ name, data: readFileSync(join(root, name)) }));
  return {
    archive: packTarGz(entries),
    files,
    skipped,
    defaultName: projectNameOf(typeof manifest?.name === 'string' ? manifest.name : basename(root)),
  };
}

/** The manifest and lockfile travel even when ignored: the server installs from them. */
const alwaysPacked = new Set(['package.json', 'package-lock.json']);

function walk(
  root: string,
  dir: string,
  ignored: IgnoreTest,
  files: string[],
  skipped: string[],
): void {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!excludedDirs.has(entry.name) && !ignored(path, true)) {
        walk(root, path, ignored, files, skipped);
      }
    } else if (entry.isFile()) {
      if (alwaysPacked.has(path) || !ignored(path, false)) files.push(path);
    } else skipped.push(path);
  }
}

interface Manifest {
  name?: unknown;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function readManifest(root: string): Manifest | undefined {
  let text: string;
  try {
    text = readFileSync(join(root, 'package.json'), 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as Manifest;
  } catch (error) {
    throw new ConfigError(`package.json: not valid JSON (${(error as Error).message})`);
  }
}

/** A `file:` dependency outside the project would not travel with it, and the install on the server would fail. */
function checkLocalPackages(root: string, manifest: Manifest | undefined): void {
  const specs = { ...manifest?.dependencies, ...manifest?.optionalDependencies };
  for (const [name, spec] of Object.entries(specs)) {
    if (typeof spec !== 'string' || !spec.startsWith('file:')) continue;
    const target = spec.slice('file:'.length);
    const inside = !isAbsolute(target) && !relative(root, resolve(root, target)).startsWith('..');
    if (!inside) {
      throw new ConfigError(
        `package.json: dependency "${name}" is ${spec}, outside the project; move it into the project (e.g. vendor/${name}) so the deploy carries it`,
      );
    }
  }
}

/** `@team/shop-spiders` → `shop-spiders`; anything outside [A-Za-z0-9._-] becomes `-`. */
export function projectNameOf(raw: string): string {
  const name = (raw.split('/').pop() ?? '')
    .replace(/[^\w.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 64);
  return name || 'project';
}
