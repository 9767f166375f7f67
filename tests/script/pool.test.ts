import { describe, expect, it } from 'vitest';
import { ScriptPool, type ScriptSubresponse } from '../../src/script/pool.js';

const offline = async (): Promise<ScriptSubresponse> => ({ error: 'offline' });

describe('the script pool bounds a page whatever the script does', () => {
  it('ends microtask storms, loops after an await or in a timer, and an out-of-memory page; then runs the next page', async () => {
    const pool = new ScriptPool({ workers: 1, timeoutMs: 1000, memoryMb: 32 });
    const cases: [string, string][] = [
      ['function f() { Promise.resolve().then(f); } f();', 'AR_SCRIPT_TIMEOUT'],
      ['(async function () { await null; while (true) {} })();', 'AR_SCRIPT_TIMEOUT'],
      ['setTimeout(function () { while (true) {} }, 10);', 'AR_SCRIPT_TIMEOUT'],
      ['var a = []; for (;;) a.push(new Array(1e5).fill(1));', 'AR_SCRIPT'],
    ];
    try {
      for (const [script, code] of cases) {
        const started = Date.now();
        await expect(
          pool.run(`<script>${script}</script>`, 'http://a.test/', offline),
          script,
        ).rejects.toMatchObject({
          code,
        });
        expect(Date.now() - started, script).toBeLessThan(5000);
      }
      const run = await pool.run(
        '<p id="x"></p><script>document.getElementById("x").textContent = "still works"</script>',
        'http://a.test/',
        offline,
      );
      expect(run.html).toContain('<p id="x">still works</p>');
      // Every failed page disposed its isolate; the last page got a fresh one.
      expect(pool.isolatesCreated).toBe(cases.length + 1);
    } finally {
      await pool.close();
    }
  });

  it('captures console output and script errors without printing them, and runs the next script', async () => {
    const pool = new ScriptPool({ workers: 1 });
    try {
      const run = await pool.run(
        '<script>console.log("hello", { a: 1 }); undefinedFunction();</script><script>console.warn("after")</script>',
        'http://a.test/',
        offline,
      );
      expect(run.logs).toEqual([
        'log: hello {"a":1}',
        'error: ReferenceError: undefinedFunction is not defined',
        'warn: after',
      ]);
    } finally {
      await pool.close();
    }
  });
});
