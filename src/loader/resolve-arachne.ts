/**
 * A module resolve hook: lets a spider file anywhere on disk `import … from 'arachne'` even when no
 * node_modules above it has Arachne (a spider in /tmp, a global install), by handing out this copy's modules.
 */
interface ResolveContext {
  parentURL?: string;
  conditions: string[];
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string }>;

/** `arachne` and `arachne/<part>` → the URL of that module in the running copy (src/loader/self-location.ts). */
let urls: Record<string, string> = {};

export function initialize(data: { urls: Record<string, string> }): void {
  urls = data.urls;
}

export async function resolve(
  specifier: string,
  context: ResolveContext,
  nextResolve: NextResolve,
): Promise<{ url: string; shortCircuit?: boolean }> {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const url = urls[specifier];
    if (url === undefined) throw error;
    return { url, shortCircuit: true };
  }
}
