/**
 * A module resolve hook (registered by provide-self.ts): `arachne` and `arachne/<part>`, imported by a spider
 * that tsx runs as an ES module, resolve to data: modules re-exporting the running copy's own modules.
 */
interface ResolveContext {
  parentURL?: string;
  conditions: string[];
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string }>;

let shims: Record<string, string> = {};

export function initialize(data: { shims: Record<string, string> }): void {
  shims = data.shims;
}

export async function resolve(
  specifier: string,
  context: ResolveContext,
  nextResolve: NextResolve,
): Promise<{ url: string; shortCircuit?: boolean }> {
  const shim = shims[specifier];
  return shim === undefined ? nextResolve(specifier, context) : { url: shim, shortCircuit: true };
}
