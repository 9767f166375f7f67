/**
 * Installs a deployed version's dependencies in its own directory: `npm ci --omit=dev --ignore-scripts` from its
 * lockfile, nothing when it lists none. `arachne` itself is taken out of package.json and the lockfile first (with
 * the packages only it needed): spiders must run on the server's own copy (one copy, so the spider and the engine
 * agree, see loader/provide-self.ts), and a download of another copy would be slow, offline-breaking and wrong.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package names that mean "this Arachne": never installed into a version. */
const selfPackages = new Set(['arachne']);
const depFields = [
  'dependencies',
  'optionalDependencies',
  'peerDependencies',
  'devDependencies',
] as const;
const keptOutput = 64 * 1024;

/** The version's dependencies could not be installed; the message ends with npm's last lines. */
export class InstallError extends Error {
  override name = 'InstallError';
  readonly code = 'AR_INSTALL_FAILED';
}

export interface InstallOptions {
  /** @default 'npm' */
  npm?: string;
  /** @default 600_000 */
  timeoutMs?: number;
}

type Deps = Partial<Record<(typeof depFields)[number], Record<string, string>>>;
interface LockEntry extends Deps {
  link?: boolean;
  resolved?: string;
  dev?: boolean;
}
interface Lockfile {
  lockfileVersion?: number;
  packages?: Record<string, LockEntry>;
}

/** Installs into `dir` (the unpacked version); answers how many packages it has (0: nothing to install). */
export async function installDependencies(
  dir: string,
  options: InstallOptions = {},
): Promise<number> {
  const manifestFile = join(dir, 'package.json');
  if (!existsSync(manifestFile)) return 0;
  const manifest = parseJson<Deps>(manifestFile);
  const needed = [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ].filter((name) => !selfPackages.has(name));
  if (needed.length === 0) return 0;
  const lockFile = join(dir, 'package-lock.json');
  if (!existsSync(lockFile)) {
    throw new InstallError(
      `package.json lists dependencies (${needed.join(', ')}) but the deploy has no package-lock.json: run npm install in the project and deploy again`,
    );
  }
  const lock = parseJson<Lockfile>(lockFile);
  if (!lock.packages) {
    throw new InstallError(
      `package-lock.json is lockfileVersion ${lock.lockfileVersion ?? '?'}: regenerate it with npm 7 or later`,
    );
  }
  withoutSelf(manifest);
  withoutSelf(lock.packages[''] ?? {});
  lock.packages = reachable(lock.packages);
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
  await runNpm(dir, options);
  return Object.entries(lock.packages).filter(
    ([path, entry]) => path.includes('node_modules/') && entry.dev !== true,
  ).length;
}

function parseJson<T>(file: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new InstallError(
      `${file.split('/').pop()}: not valid JSON (${(error as Error).message})`,
    );
  }
}

function withoutSelf(deps: Deps): void {
  for (const field of depFields) {
    const list = deps[field];
    if (list) for (const name of selfPackages) delete list[name];
  }
}

/**
 * The lockfile's entries still reachable from the root once `arachne` is gone; the others (arachne's own
 * dependencies) would otherwise be installed for nothing. Names resolve as Node resolves them: the nearest
 * node_modules up from the depending package.
 */
function reachable(packages: Record<string, LockEntry>): Record<string, LockEntry> {
  const keep = new Set<string>();
  const queue = [''];
  while (queue.length > 0) {
    const at = queue.pop() as string;
    if (keep.has(at)) continue;
    const entry = packages[at];
    if (!entry) continue;
    keep.add(at);
    // A `file:` directory is a link entry; the package itself sits under its own path.
    if (entry.link && entry.resolved !== undefined) queue.push(entry.resolved);
    const deps = {
      ...entry.dependencies,
      ...entry.optionalDependencies,
      ...entry.peerDependencies,
      ...(at === '' ? entry.devDependencies : {}),
    };
    for (const name of Object.keys(deps)) {
      const found = candidates(at, name).find((path) => path in packages);
      if (found !== undefined) queue.push(found);
    }
  }
  return Object.fromEntries(Object.entries(packages).filter(([path]) => keep.has(path)));
}

function candidates(from: string, name: string): string[] {
  const parts = from === '' ? [] : from.split('/');
  const paths: string[] = [];
  for (let length = parts.length; length >= 0; length--) {
    const base = parts.slice(0, length).join('/');
    paths.push(base ? `${base}/node_modules/${name}` : `node_modules/${name}`);
  }
  return paths;
}

function runNpm(dir: string, options: InstallOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 600_000;
  // The server's token never reaches package code (scripts are off, but npm itself needs no secret either).
  const { ARACHNE_TOKEN: _token, ...env } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(
      options.npm ?? 'npm',
      ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-keptOutput);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new InstallError(`cannot run npm: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const how =
        signal === 'SIGKILL' ? `timed out after ${timeoutMs} ms` : `exit ${code ?? signal}`;
      const tail = output.trimEnd().split('\n').slice(-12).join('\n');
      reject(new InstallError(`npm ci failed (${how}):\n${tail}`));
    });
  });
}
