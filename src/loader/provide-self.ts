/**
 * Lets spider files `import … from 'arachne'` wherever they live, even with no Arachne in a node_modules above
 * them (a spider in /tmp, a global install, npx), and always get this very copy of Arachne: the one the engine
 * runs, so that the spider's classes and the engine's objects agree. tsx runs a spider as CommonJS or as an ES
 * module depending on the nearest package.json, so both module systems get a hook: the CommonJS one hands out
 * the modules themselves; the ES one resolves `arachne` to a data: module re-exporting them. A file URL would
 * not do: tsx gives every module it resolves for a spider a query of its own (`?tsx-namespace=…`), which makes
 * it another instance — another copy of all of Arachne.
 */
import Module, { register } from 'node:module';

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;

/** Where the data: modules find the modules they re-export. */
const GLOBAL_KEY = 'arachne.selfModules';

let provided = false;

export async function provideSelf(): Promise<void> {
  if (provided) return;
  provided = true;
  const modules: Record<string, Record<string, unknown>> = {
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
    (globalThis as Record<symbol, unknown>)[Symbol.for(GLOBAL_KEY)] = modules;
    const shims = Object.fromEntries(
      Object.entries(modules).map(([name, namespace]) => [name, reexport(name, namespace)]),
    );
    register(new URL('./resolve-arachne.js', import.meta.url), { data: { shims } });
  }
}

/** A data: URL of an ES module whose exports are those of `namespace`, the same objects. */
function reexport(name: string, namespace: Record<string, unknown>): string {
  const lines = [
    `const m = globalThis[Symbol.for(${JSON.stringify(GLOBAL_KEY)})][${JSON.stringify(name)}];`,
  ];
  for (const key of Object.keys(namespace)) {
    lines.push(key === 'default' ? 'export default m.default;' : `export const ${key} = m.${key};`);
  }
  return `data:text/javascript,${encodeURIComponent(lines.join('\n'))}`;
}
