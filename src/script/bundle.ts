/**
 * The code every script-rung context runs before a page: linkedom bundled for a bare V8 isolate (no Node APIs, no
 * module loader), the atob/btoa it needs, and the page runtime. `npm run build` writes it next to the compiled
 * module (`PRELUDE_FILE`), so a crawl reads it; run from the sources (tests, tsx) it is built in memory with
 * esbuild on first use, about 0.3 s of CPU and an esbuild service process.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { PAGE_RUNTIME } from './runtime.js';

// A bare isolate has no atob/btoa; linkedom calls them (data: URLs, base64 helpers).
const BASE64 = `(function(){var c='ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',L=new Int16Array(128).fill(-1);for(var k=0;k<64;k++)L[c.charCodeAt(k)]=k;
globalThis.atob=function(s){s=String(s);var parts=[],b=0,n=0,chunk=[];for(var i=0;i<s.length;i++){var v=L[s.charCodeAt(i)];if(v===undefined||v<0)continue;b=((b<<6)|v)&0xffffff;n+=6;if(n>=8){n-=8;chunk.push((b>>n)&255);if(chunk.length===8192){parts.push(String.fromCharCode.apply(null,chunk));chunk=[];}}}parts.push(String.fromCharCode.apply(null,chunk));return parts.join('');};
globalThis.btoa=function(s){s=String(s);var o='';for(var i=0;i<s.length;i+=3){var a=s.charCodeAt(i),b=s.charCodeAt(i+1),d=s.charCodeAt(i+2);var t=(a<<16)|((b||0)<<8)|(d||0);o+=c[(t>>18)&63]+c[(t>>12)&63]+(isNaN(b)?'=':c[(t>>6)&63])+(isNaN(d)?'=':c[t&63]);}return o;};})();`;

let built: Promise<string> | undefined;

/** Where `npm run build` writes the prelude: beside this module's compiled file. */
export const PRELUDE_FILE = 'context-prelude.txt';

/** The source of the context prelude: base64 polyfill, linkedom (as `__parseHTML`), page runtime. */
export function contextPrelude(): Promise<string> {
  built ??= readFile(new URL(PRELUDE_FILE, import.meta.url), 'utf8')
    .catch(() => buildPrelude()) // not built: run from the sources
    .catch((error: unknown) => {
      built = undefined;
      throw error;
    });
  return built;
}

/** Bundles the prelude with esbuild (what `npm run build` writes to `PRELUDE_FILE`). */
export async function buildPrelude(): Promise<string> {
  const esbuild = await import('esbuild');
  // Resolved from this package, so the bundle uses the linkedom Arachne depends on, wherever it is run from.
  const require = createRequire(import.meta.url);
  const linkedom = dirname(require.resolve('linkedom/package.json'));
  const result = await esbuild.build({
    stdin: {
      contents: "import { parseHTML } from 'linkedom'; globalThis.__parseHTML = parseHTML;",
      resolveDir: dirname(linkedom),
      loader: 'js',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
    banner: { js: BASE64 },
    plugins: [prebuiltDecodeTables],
  });
  // The bundle is built once per process: esbuild's service process (about 40 MB resident) would otherwise stay
  // up for the whole crawl. A later esbuild call starts a fresh one.
  await esbuild.stop();
  const bundle = result.outputFiles[0]?.text;
  if (bundle === undefined) throw new Error('esbuild produced no linkedom bundle');
  return `${bundle}\n${PAGE_RUNTIME}`;
}

/**
 * The HTML entity tables of `entities` (linkedom's parser and serialiser each bundle a version) are built at load
 * from base64 or a split string: a third of the cost of every fresh context. Built here once instead, they load
 * as a plain string copied into a Uint16Array by a loop.
 */
const prebuiltDecodeTables: Plugin = {
  name: 'arachne-prebuilt-entity-tables',
  setup(build) {
    build.onLoad(
      { filter: /[\\/]entities[\\/].*generated[\\/]decode-data-(html|xml)\.js$/ },
      async (args) => {
        const tables = (await import(pathToFileURL(args.path).href)) as Record<string, unknown>;
        const lines = [
          'var __t = function (s) { var a = new Uint16Array(s.length); for (var i = 0; i < s.length; i++) a[i] = s.charCodeAt(i); return a; };',
        ];
        for (const [name, value] of Object.entries(tables)) {
          if (!(value instanceof Uint16Array)) return undefined; // an unknown layout: bundle the file as it is
          const literal = JSON.stringify(String.fromCharCode(...value));
          lines.push(
            name === 'default'
              ? `export default __t(${literal});`
              : `export const ${name} = __t(${literal});`,
          );
        }
        return { contents: lines.join('\n'), loader: 'js' };
      },
    );
  },
};
