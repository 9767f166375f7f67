/** Arachne's version, read from package.json so that it cannot drift from the published one. */
import { createRequire } from 'node:module';

// Both src/version.ts (tsx, vitest) and dist/version.js sit one level below package.json.
const manifest = createRequire(import.meta.url)('../package.json') as { version: string };

export const version: string = manifest.version;

/** The User-Agent sent when the user sets none. */
export const defaultUserAgent = `arachne/${version}`;
