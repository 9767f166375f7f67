// DOM choice for the script rung, measured: the same script-built shop listing in three DOMs.
// linkedom runs inside an isolated-vm isolate through Arachne's ScriptPool (the product path);
// happy-dom and jsdom run in-process here only for the measurement (never in the product).
// Usage (from bench/, with happy-dom and jsdom installed there for the measurement only; they are not dependencies):
//   npx tsx script-dom-compare.mjs <linkedom|happy-dom|jsdom> [pages]   (WORKERS=2 CONC=4 for linkedom on both cores)
const which = process.argv[2];
const N = Number(process.argv[3] ?? 400);
const products = Array.from({ length: 24 }, (_, i) => ({
  id: i,
  name: `Product ${i}`,
  price: (i * 3.7 + 5).toFixed(2),
}));
const html = (n) => `<!DOCTYPE html><html><head><title>Shop page ${n}</title></head><body>
<header><nav><a href="/">Home</a><a href="/c/1">Cat 1</a></nav></header>
<main><h1>Listing</h1><div id="grid" class="grid"></div><nav id="pager"></nav></main>
<script id="data" type="application/json">${JSON.stringify({ page: n, products })}</script>
<script>
var state = JSON.parse(document.getElementById('data').textContent);
function card(p) {
  var a = document.createElement('a'); a.className = 'card'; a.href = '/p/' + p.id;
  var h = document.createElement('h2'); h.textContent = p.name; a.appendChild(h);
  var s = document.createElement('span'); s.className = 'price'; s.textContent = '$' + p.price; a.appendChild(s);
  return a;
}
var grid = document.getElementById('grid');
state.products.forEach(function (p) { grid.appendChild(card(p)); });
document.getElementById('pager').innerHTML = '<a rel="next" href="?page=' + (state.page + 1) + '">next</a>';
</script></body></html>`;

async function linkedomRun() {
  const { ScriptPool } = await import('../src/script/pool.ts');
  const pool = new ScriptPool({ workers: Number(process.env.WORKERS ?? 1) });
  const conc = Number(process.env.CONC ?? 1);
  return {
    async page(n) {
      return (
        await pool.run(html(n), `http://shop.test/c/1?page=${n}`, async () => ({
          error: 'offline',
        }))
      ).html;
    },
    conc,
    close: () => pool.close(),
  };
}
async function happyRun() {
  const { Window } = await import('happy-dom');
  return {
    async page(n) {
      const window = new Window({
        url: `http://shop.test/c/1?page=${n}`,
        settings: {
          enableJavaScriptEvaluation: true,
          disableCSSFileLoading: true,
          disableJavaScriptFileLoading: true,
        },
      });
      window.document.write(html(n));
      await window.happyDOM.waitUntilComplete();
      const out = window.document.documentElement.outerHTML;
      await window.happyDOM.close();
      return out;
    },
    conc: 1,
    close: async () => {},
  };
}
async function jsdomRun() {
  const { JSDOM } = await import('jsdom');
  return {
    async page(n) {
      const dom = new JSDOM(html(n), {
        url: `http://shop.test/c/1?page=${n}`,
        runScripts: 'dangerously',
      });
      const out = dom.serialize();
      dom.window.close();
      return out;
    },
    conc: 1,
    close: async () => {},
  };
}
const runner = await { linkedom: linkedomRun, 'happy-dom': happyRun, jsdom: jsdomRun }[which]();
for (let i = 0; i < 20; i++) await runner.page(i); // warm-up
let peak = process.memoryUsage().rss;
const rss0 = peak;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let next = 0;
async function lane() {
  while (next < N) {
    const n = next++;
    const out = await runner.page(n);
    if ((out.match(/class="card"/g) ?? []).length !== 24 || !out.includes(`page=${n + 1}`))
      throw new Error(`${which}: page ${n} not built`);
    if (n % 20 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
}
await Promise.all(Array.from({ length: runner.conc }, lane));
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
peak = Math.max(peak, process.memoryUsage().rss);
await runner.close();
console.log(
  JSON.stringify({
    dom: which,
    pages: N,
    conc: runner.conc,
    pagesPerSec: +((N / ms) * 1000).toFixed(1),
    cpuMsPerPage: +((cpu.user + cpu.system) / 1000 / N).toFixed(2),
    rssStartMB: Math.round(rss0 / 1e6),
    rssPeakMB: Math.round(peak / 1e6),
    load: (await import('node:os')).loadavg()[0].toFixed(1),
  }),
);
