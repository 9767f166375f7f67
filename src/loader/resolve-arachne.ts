/**
 * A module resolve hook: lets a spider file anywhere on disk `import … from 'arachne'` even when no
 * node_modules above it has Arachne (a spider in /tmp, a global install), by resolving from this package.
 */
interface ResolveContext {
  parentURL?: string;
  conditions: string[];
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string }>;

let selfUrl = '';

export function initialize(data: { selfUrl: string }): void {
  selfUrl = data.selfUrl;
}

export async function resolve(
  specifier: string,
  context: ResolveContext,
  nextResolve: NextResolve,
): Promise<{ url: string }> {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (specifier !== 'arachne' && !specifier.startsWith('arachne/')) throw error;
    // Resolving from inside this package uses its own package.json "exports" (self-reference).
    return nextResolve(specifier, { ...context, parentURL: selfUrl });
  }
}
