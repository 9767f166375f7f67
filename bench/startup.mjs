// Start-up time of the `arachne` binary: median wall time and CPU (user + system) of N fresh processes each of
// `node -e 0` (the floor), `arachne --help`, and `arachne crawl spider.ts` on a one-page local site.
// Run after `npm run build` (bin/arachne.js runs dist/). `node bench/startup.mjs [runs]`; BENCH_JSON=1 prints JSON.
// The spider cache goes to a temporary ARACHNE_CACHE_DIR; the warm-up run fills it, so a cache hit is measured.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 10);
// BENCH_BIN: another build's bin/arachne.js, to compare (e.g. the commit before a change).
const bin = process.env.BENCH_BIN ?? fileURLToPath(new URL('../bin/arachne.js', import.meta.url));

/**
 * CPU ms of this process's reaped children (cutime + cstime of /proc/self/stat, in 10 ms ticks): the only way
 * Node gives to read a child's CPU time. undefined where /proc is missing.
 */
function childrenCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

function runOnce(args, env) {
  return new Promise((resolve, reject) => {
    const cpuBefore = childrenCpuMs();
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      const cpuAfter = childrenCpuMs();
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve({ wallMs, cpuMs: cpuBefore === undefined ? NaN : cpuAfter - cpuBefore });
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function measure(name, args, env = {}) {
  await runOnce(args, env); // warm the OS file cache (and the spider compile cache: steady state is measured)
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await runOnce(args, env));
  return {
    name,
    runs,
    wallMs: Math.round(median(samples.map((s) => s.wallMs))),
    cpuMs: Math.round(median(samples.map((s) => s.cpuMs))),
  };
}

const server = http.createServer((req, res) => {
  if (req.url === '/') {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>One page</title><h1>Hello</h1>');
  } else {
    res.writeHead(404).end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;
const dir = mkdtempSync(join(tmpdir(), 'arachne-startup-'));
const spider = join(dir, 'one-page.ts');
writeFileSync(
  spider,
  `import { defineSpider } from 'arachne';

interface Title {
  url: string;
  title: string;
}

export default defineSpider({
  name: 'one-page',
  start: '${origin}/',
  async *parse(page): AsyncGenerator<Title> {
    yield { url: page.url, title: page.select('title').text() };
  },
});
`,
);

try {
  const results = [
    await measure('node -e 0', ['-e', '0']),
    await measure('arachne --help', [bin, '--help']),
    await measure(
      'arachne crawl one-page.ts',
      [bin, 'crawl', spider, '-o', join(dir, 'out.jsonl'), '--log-level', 'error'],
      { ARACHNE_CACHE_DIR: join(dir, 'cache') },
    ),
  ];
  if (process.env.BENCH_JSON) console.log(JSON.stringify(results));
  else {
    console.log(`median of ${runs} runs each (Node ${process.version}, wall and user+system CPU)`);
    console.log('| command | wall ms | CPU ms |\n|---|---:|---:|');
    for (const r of results) console.log(`| ${r.name} | ${r.wallMs} | ${r.cpuMs} |`);
  }
} finally {
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
