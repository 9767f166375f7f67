import http from 'node:http';
import zlib from 'node:zlib';
import { createTransport } from '/work/main/src/http/transport.js';
import { transportDefaults } from '/work/main/src/http/request.js';
const MiB = 1024 * 1024;
const member = zlib.gzipSync(Buffer.alloc(64 * MiB), { level: 9 });
const bomb = Buffer.concat(Array.from({ length: 16 }, () => member));
const page = Buffer.from('<html>' + 'x'.repeat(20_000) + '</html>');
const gzPage = zlib.gzipSync(page);
let connections = 0;
const server = http.createServer((req, res) => {
  res.on('error', () => {});
  if (req.url === '/bomb') { res.setHeader('content-encoding', 'gzip'); res.end(bomb); return; }
  if (req.url === '/gz') { res.setHeader('content-encoding', 'gzip'); res.end(gzPage); return; }
  res.end(page);
});
server.on('connection', () => connections++);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${(server.address() as any).port}`;
const t = createTransport();
console.log('bomb compressed bytes', bomb.length);
global.gc?.();
const rss0 = process.memoryUsage().rss;
let t0 = performance.now();
try { await t.send({ url: origin + '/bomb', method: 'GET', headers: {} }, transportDefaults); } catch (e) { console.log((e as Error).message); }
console.log('bomb abort ms', (performance.now() - t0).toFixed(1), 'rss delta MiB', ((process.memoryUsage().rss - rss0) / MiB).toFixed(1));
for (const path of ['/plain', '/gz']) {
  connections = 0;
  t0 = performance.now();
  const N = 2000, C = 16; let next = 0;
  await Promise.all(Array.from({ length: C }, async () => { while (next < N) { next++; await t.send({ url: origin + path, method: 'GET', headers: {} }); } }));
  const ms = performance.now() - t0;
  console.log(path, 'req/s', (N / ms * 1000).toFixed(0), 'connections opened', connections);
}
connections = 0;
for (let i = 0; i < 200; i++) await t.send({ url: origin + '/plain', method: 'GET', headers: {} });
console.log('sequential 200 → connections', connections);
await t.close(); server.close();
