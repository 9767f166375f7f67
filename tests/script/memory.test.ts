import { describe, expect, it } from 'vitest';
import { ScriptPool } from '../../src/script/pool.js';

// 400 in `npm test`; `npm run test:soak` (and CI) runs the 10,000 the issue asks for (the check stays the same).
const PAGES = Number(process.env.ARACHNE_SCRIPT_MEMORY_PAGES ?? 400);
const FIRST = Math.min(1000, Math.floor(PAGES / 10));

const page = (i: number) => `<html><head><title>p${i}</title></head><body><ul id="l"></ul><script>
var items = [];
for (var j = 0; j < 20; j++) items.push({ name: 'item-' + j + '-${i}', big: new Array(200).join('x') });
window.keep = items; // garbage the page leaves on its window: gone with the context
document.getElementById('l').innerHTML = items.map(function (d) { return '<li>' + d.name + '</li>'; }).join('');
setTimeout(function () { document.title = 'done-${i}'; }, 10);
</script></body></html>`;

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

describe('the script pool over many pages', () => {
  it(`keeps memory flat over ${PAGES} scripted pages`, { timeout: 900_000 }, async () => {
    const pool = new ScriptPool({ workers: 2, timeoutMs: 10_000 });
    let next = 0;
    let atFirst = { rss: 0, heap: 0 };
    const started = Date.now();
    const worker = async () => {
      while (next < PAGES) {
        const i = next++;
        const run = await pool.run(page(i), `http://shop.test/p/${i}`, async () => ({
          error: 'offline',
        }));
        // Every page really ran: its script built the list and its timer fired.
        if (!run.html.includes(`item-19-${i}<`) || !run.html.includes(`done-${i}`)) {
          throw new Error(`page ${i} not built: ${run.html.slice(0, 200)}`);
        }
        if (i === FIRST) atFirst = { rss: process.memoryUsage().rss, heap: await pool.heapUsed() };
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    const atEnd = { rss: process.memoryUsage().rss, heap: await pool.heapUsed() };
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `${PAGES} pages in ${seconds.toFixed(1)} s (${Math.round(PAGES / seconds)} pages/s); ` +
        `RSS ${mb(atFirst.rss)} MB after ${FIRST}, ${mb(atEnd.rss)} MB at ${PAGES}; ` +
        `isolate heap ${mb(atFirst.heap)} MB → ${mb(atEnd.heap)} MB; isolates made ${pool.isolatesCreated}`,
    );
    await pool.close();
    // Flat: the process grows by less than a few pages' worth of isolates, whatever the page count.
    expect(atEnd.rss - atFirst.rss).toBeLessThan(80e6);
    // Each live isolate is replaced before its heap passes three quarters of its limit (128 MB by default).
    expect(atEnd.heap).toBeLessThan(2 * 0.75 * 128 * 1024 * 1024);
  });
});
