/**
 * Lets spider files `import … from 'arachne'` wherever they live, even with no Arachne in a node_modules above
 * them (a spider in /tmp, a global install, npx). tsx runs a spider as CommonJS or as an ES module depending on
 * the nearest package.json, so both module systems get a hook: the CommonJS one hands out this very copy of
 * Arachne (one copy, so the spider and the engine agree), the ES one resolves from this package when normal
 * resolution fails.
 */
import Module, { register } from 'node:module';
import { selfModuleUrl, selfSpecifiers } from './self-location.js';

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;

let provided = false;

export async function provideSelf(): Promise<void> {
  if (provided) return;
  provided = true;
  const modules: Record<string, unknown> = {
    arachne: await import('../index.js'),
    'arachne/http': await import('../http/index.js'),
    'arachne/html': await import('../html/index.js'),
    'arachne/storage': await import('../storage/index.js'),
  };
  const loader = Module as unknown as { _load: Load };
  const load = loader._load;
  loader._load = function loadArachne(this: unknown, request, parent, isMain) {
    return modules[request] ?? load.call(this, request, parent, isMain);
  };
  // From TypeScript sources (tests) the ESM hook would itself need a loader; self-reference covers that case.
  if (!import.meta.url.endsWith('.ts')) {
    const urls = Object.fromEntries(selfSpecifiers.map((name) => [name, selfModuleUrl(name)]));
    register(new URL('./resolve-arachne.js', import.meta.url), { data: { urls } });
  }
}
