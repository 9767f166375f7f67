/**
 * Where this running copy of Arachne keeps the modules that code outside it loads by path: the public entry
 * points a spider's `import 'arachne'` must reach (the very modules the engine runs, or the spider's items and
 * errors would be another copy's), and the entry files of the processes and threads it starts.
 *
 * The CLI runs from `dist/bundle/` (scripts/bundle.mjs: the compiled tree in a few files, which loads in about half
 * the CPU of ~250 separate modules). There, ARACHNE_BUNDLED is defined and this file keeps its own
 * `import.meta.url` (the bundle's directory), while every other module sees the URL of its compiled file. The
 * library (`import 'arachne'`) and the tests run the compiled tree or the sources, with their own files.
 */

declare const ARACHNE_BUNDLED: boolean | undefined;

const bundled = typeof ARACHNE_BUNDLED !== 'undefined';

/** The entries of the bundle named as in scripts/bundle.mjs; the compiled tree's path of each. */
const SELF_MODULES = {
  arachne: { bundle: 'index', tree: 'index' },
  'arachne/http': { bundle: 'http', tree: 'http/index' },
  'arachne/html': { bundle: 'html', tree: 'html/index' },
  'arachne/storage': { bundle: 'storage', tree: 'storage/index' },
  'arachne/cache': { bundle: 'cache', tree: 'cache/index' },
  'arachne/distributed': { bundle: 'distributed', tree: 'distributed/index' },
} as const;

type SelfSpecifier = keyof typeof SELF_MODULES;

/** The URL of `arachne` or `arachne/<part>` in this copy, or undefined for any other specifier. */
export function selfModuleUrl(specifier: string): string | undefined {
  if (!Object.hasOwn(SELF_MODULES, specifier)) return undefined;
  const { bundle, tree } = SELF_MODULES[specifier as SelfSpecifier];
  return new URL(bundled ? `./${bundle}.js` : `../${tree}.js`, import.meta.url).href;
}

/** The bundle's entry file of a child process or thread (`job-process`, `worker`…), when running bundled. */
export function bundledEntry(name: string): URL | undefined {
  return bundled ? new URL(`./${name}.js`, import.meta.url) : undefined;
}
