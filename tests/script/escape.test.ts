import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crawl, defineSpider } from '../../src/index.js';
import { startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';

// Published ways out of a JavaScript sandbox (node:vm escapes, happy-dom GHSA-37j7-fg3j-429f's constructor chain,
// stack-trace hooks, module loading). Each probe writes what it reached into the DOM, which the spider reads back.
const marker = `arachne-escape-${process.pid}-${Date.now()}`;
const written = join(tmpdir(), `${marker}.txt`);
const W = JSON.stringify(written);

const payloads: Record<string, string> = {
  ctorChain: `return this.constructor.constructor('return process')().env.ARACHNE_ESCAPE_MARKER`,
  sloppyThis: `return (function () { return this; })().process`,
  globalProcess: `return globalThis.process`,
  typeofNode: `return [typeof process, typeof require, typeof module, typeof Buffer, typeof __dirname, typeof global, typeof ivm, typeof __arachne].join(',')`,
  newFunction: `return new Function('return process.env.ARACHNE_ESCAPE_MARKER')()`,
  evalProcess: `return eval('process')`,
  writeFile: `return this.constructor.constructor('return process')().mainModule.require('fs').writeFileSync(${W}, 'x')`,
  domCtorChain: `return document.createElement('div').constructor.constructor('return process')().env.ARACHNE_ESCAPE_MARKER`,
  // happy-dom GHSA-37j7-fg3j-429f: reach the host realm's Function through a DOM object's prototype chain.
  ghsa: `var F = Object.getPrototypeOf(Object.getPrototypeOf(document)).constructor.constructor;
    var g = F('return this')(); return g.process ? g.process.mainModule.require('child_process').execSync('id').toString() : 'no process: ' + Object.keys(g).indexOf('process')`,
  windowCtor: `return window.constructor.constructor('return process')()`,
  prepareStackTrace: `Error.prepareStackTrace = function (e, frames) {
      return frames.map(function (f) { try { var t = f.getThis(); return t && t.process ? 'escaped' : String(typeof f.getFunction()); } catch (x) { return 'E:' + x.name; } }).join('|');
    };
    var stack = new Error('x').stack; Error.prepareStackTrace = undefined;
    return /escaped/.test(stack) ? 'escaped' : 'no process in frames'`,
  callerChain: `function f() { return f.caller && f.caller.constructor('return process')(); } return f()`,
  ownKeys: `return Reflect.ownKeys(globalThis).filter(function (k) { return /^(process|require|module|Buffer|ivm|_ivm|__arachne|__parseHTML)$/.test(String(k)); }).join(',') || 'none'`,
};

const asyncPayloads: Record<string, string> = {
  dynamicImport: `import('fs')`,
  dynamicImportNode: `import('node:child_process')`,
  fetchFile: `fetch('file:///etc/passwd').then(function (r) { return r.text(); })`,
  fetchEnv: `fetch('/echo?' + (typeof process))`,
};

function page(): string {
  const sync = Object.entries(payloads)
    .map(([name, body]) => `probe(${JSON.stringify(name)}, function () { ${body} });`)
    .join('\n');
  const asyncs = Object.entries(asyncPayloads)
    .map(
      ([name, body]) => `try { Promise.resolve(${body}).then(
        function (v) { set(${JSON.stringify(name)}, 'value: ' + String(v).slice(0, 200)); },
        function (e) { set(${JSON.stringify(name)}, 'rejected: ' + (e && e.name)); }); }
      catch (e) { set(${JSON.stringify(name)}, 'threw: ' + e.name); }`,
    )
    .join('\n');
  return `<html><body><script>
function set(name, text) { var p = document.createElement('p'); p.id = name; p.textContent = text; document.body.appendChild(p); }
function probe(name, fn) {
  var out;
  try { out = 'value: ' + String(fn.call(this)); } catch (e) { out = 'threw: ' + (e && e.name) + ' ' + (e && e.message); }
  set(name, out);
}
${sync}
${asyncs}
</script></body></html>`;
}

describe('page scripts in the script rung', () => {
  afterEach(() => {
    delete process.env.ARACHNE_ESCAPE_MARKER;
    rmSync(written, { force: true });
  });

  it('reach nothing of the crawler: no process, no file system, no environment, no file: URL', async () => {
    process.env.ARACHNE_ESCAPE_MARKER = marker;
    const site = await startLocalServer({ '/': page(), '/echo': 'echo' });
    const sink = memorySink();
    const names = [...Object.keys(payloads), ...Object.keys(asyncPayloads)];
    const stats = await crawl(
      defineSpider({
        name: 'escape',
        start: `${site.origin}/`,
        fetch: 'script',
        *parse(response) {
          const found: Record<string, string> = {};
          for (const name of names) found[name] = response.select(`#${name}`).text();
          yield { found, body: response.text };
        },
      }),
      { output: sink, logLevel: 'silent', robots: false },
    );
    expect(stats.failed).toBe(0);
    const [item] = sink.items as { found: Record<string, string>; body: string }[];
    const found = item?.found ?? {};
    // Every probe ran and reported: none is missing, so none silently skipped.
    for (const name of names) expect(found[name], name).not.toBe('');
    expect(item?.body).not.toContain(marker);
    expect(existsSync(written)).toBe(false);
    expect(found.ctorChain).toMatch(/^threw: ReferenceError/);
    expect(found.sloppyThis).toBe('value: undefined');
    expect(found.globalProcess).toBe('value: undefined');
    expect(found.typeofNode).toBe(
      'value: undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined',
    );
    expect(found.newFunction).toMatch(/^threw: ReferenceError/);
    expect(found.evalProcess).toMatch(/^threw: ReferenceError/);
    expect(found.writeFile).toMatch(/^threw: ReferenceError/);
    expect(found.domCtorChain).toMatch(/^threw: ReferenceError/);
    expect(found.ghsa).toBe('value: no process: -1');
    expect(found.windowCtor).toMatch(/^threw: ReferenceError/);
    expect(found.prepareStackTrace).toBe('value: no process in frames');
    expect(found.callerChain).toMatch(/^(threw: |value: (null|undefined))/);
    expect(found.ownKeys).toBe('value: none');
    expect(found.dynamicImport).toMatch(/^(rejected|threw): /);
    expect(found.dynamicImportNode).toMatch(/^(rejected|threw): /);
    expect(found.fetchFile).toBe('rejected: TypeError');
    expect(found.fetchEnv).toBe('value: [object Object]');
    // The one request that left the page went through the crawl, and it carried no process.
    expect(site.paths).toContain('/echo?undefined');
    expect(stats.scriptRequests).toBe(1);
  });
});
