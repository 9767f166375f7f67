/**
 * A site with the traps of the real web beside real content, served by one local server and judged from its request
 * log: what each trap costs a crawl with default options, and whether the real pages are all still fetched.
 *
 * - `/calendar/YYYY/MM`: an endless calendar, months back and forth for ever, no events in any of them.
 * - `/archive?page=N`: a listing whose pages past the last post are empty but still link to the next page.
 * - `/t/<token>/{a,b,c}`: every response mints a new session token into its links (the same three pages for ever).
 * - `/search?q=…`: each result page links to a longer query.
 * - `/blog/N`: 120 real posts, each reachable only from the previous one ("next post"), every text its own.
 * - `/shop`: links to one page `/p` spelled five ways (query order, tracking and session parameters).
 * - `/sitemap.xml` (named by robots.txt): a DOCTYPE with an internal DTD and an external entity (`/dtd-entity`, never
 *   to be fetched), a `<loc>` using a declared entity (malformed), an off-site one and two pages only it lists.
 * - On the host `localhost` (same server): robots.txt with `Crawl-delay: 1` and pages `/slow/1..4`.
 */

import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { type LocalServer, startLocalServer } from './local-server.js';

export const blogPosts = 120;
const archivePages = 4;
const postsPerArchivePage = 5;

export interface HostileSite extends LocalServer {
  /** Requests whose path starts with `prefix`. */
  hits(prefix: string): number;
}

export async function startHostileSite(): Promise<HostileSite> {
  const server = await startLocalServer((req, res) => answer(req, res));
  return {
    ...server,
    hits: (prefix) => server.requests.filter((request) => request.path.startsWith(prefix)).length,
  };
}

function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://site.test');
  const host = req.headers.host ?? '';
  const origin = `http://${host}`;
  if (url.pathname === '/robots.txt') {
    const robots = host.startsWith('localhost')
      ? 'User-agent: *\nCrawl-delay: 1\n'
      : `User-agent: *\nDisallow: /private\nSitemap: ${origin}/sitemap.xml\n`;
    res.writeHead(200, { 'content-type': 'text/plain' }).end(robots);
    return;
  }
  if (url.pathname === '/sitemap.xml' && !host.startsWith('localhost')) {
    res.writeHead(200, { 'content-type': 'application/xml' }).end(sitemap(origin));
    return;
  }
  const body = host.startsWith('localhost') ? slowHost(url) : route(url);
  if (body === undefined) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
}

function route(url: URL): string | undefined {
  const path = url.pathname;
  if (path === '/') {
    return page(
      'Home',
      `<p>Welcome.</p>
      <a href="/calendar/2026/12">Calendar</a> <a href="/archive?page=1">Archive</a>
      <a href="/t/${token()}/a">Members</a> <a href="/search?q=crawl">Search</a> <a href="/blog/1">Blog</a>
      <a href="/shop">Shop</a> <a href="/private/admin">Admin</a>`,
    );
  }
  const month = /^\/calendar\/(\d{4})\/(\d{2})$/.exec(path);
  if (month) return calendar(Number(month[1]), Number(month[2]));
  if (path === '/archive') return archive(Number(url.searchParams.get('page') ?? '1'));
  const member = /^\/t\/[0-9a-f]+\/([abc])$/.exec(path);
  if (member) {
    const fresh = token();
    const links = ['a', 'b', 'c'].map((name) => `<a href="/t/${fresh}/${name}">Page ${name}</a>`);
    return page(
      `Members ${member[1]}`,
      `<p>Members area, page ${member[1]}.</p>${links.join(' ')}`,
    );
  }
  if (path === '/search') {
    const query = url.searchParams.getAll('q');
    const next = new URLSearchParams([...query, 'crawl'].map((q): [string, string] => ['q', q]));
    return page(
      'Search',
      `<p>No results for ${query.join(' ')}.</p><a href="/search?${next}">Refine</a>`,
    );
  }
  if (path === '/shop') {
    const spellings = [
      '/p?b=2&a=1',
      '/p?a=1&b=2',
      '/p?a=1&b=2&utm_source=news&utm_medium=mail',
      '/p;jsessionid=0A1B2C3D4E5F?a=1&b=2',
      '/p?a=1&PHPSESSID=9f8e7d6c5b4a&b=2&fbclid=xyz',
    ];
    return page('Shop', spellings.map((href) => `<a href="${href}">Product</a>`).join(' '));
  }
  if (path === '/p' || path.startsWith('/p;')) return page('Product', '<p>The one product.</p>');
  const listed = /^\/listed\/([12])$/.exec(path);
  if (listed) return page(`Listed ${listed[1]}`, '<p>Only the sitemap links here.</p>');
  const post = /^\/blog\/(\d+)$/.exec(path);
  if (post) {
    const n = Number(post[1]);
    if (n < 1 || n > blogPosts) return undefined;
    const next = n < blogPosts ? `<a href="/blog/${n + 1}">Next post</a>` : '';
    return page(`Post ${n}`, `<article>${words(n, 120)}</article>${next}`);
  }
  return undefined;
}

function slowHost(url: URL): string | undefined {
  const slow = /^\/slow\/([1-4])$/.exec(url.pathname);
  return slow
    ? page(`Slow ${slow[1]}`, '<p>A host that asks for one request a second.</p>')
    : undefined;
}

function sitemap(origin: string): string {
  return `\uFEFF<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="${origin}/sitemap.xsl"?>
<!DOCTYPE urlset [
  <!ENTITY secret SYSTEM "${origin}/dtd-entity">
  <!ENTITY site "${origin}">
]>
<!-- generated -->
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>${origin}/listed/1</loc></url>
  <url><loc><![CDATA[${origin}/listed/2]]></loc></url>
  <url><loc>&site;/listed/3</loc></url>
  <url><loc>&secret;</loc></url>
  <url><loc>http://offsite.example/page</loc></url>
</urlset>`;
}

function page(title: string, main: string): string {
  const nav = ['Home', 'About', 'Contact', 'Press', 'Jobs', 'Privacy', 'Terms', 'Help']
    .map((name) => `<a href="/">${name}</a>`)
    .join(' ');
  return `<!doctype html><html><head><title>${title}</title><style>body{font:14px sans-serif}</style>
<script>window.analytics = { site: 'hostile' };</script></head>
<body><header><nav>${nav}</nav></header><h1>${title}</h1><main>${main}</main>
<footer>© 2026 Hostile Site Ltd. All rights reserved. Made with care in a small town.</footer></body></html>`;
}

function calendar(year: number, monthNumber: number): string {
  const names = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August'];
  const all = [...names, 'September', 'October', 'November', 'December'];
  const at = (offset: number) => {
    const index = year * 12 + (monthNumber - 1) + offset;
    return `/calendar/${Math.floor(index / 12)}/${String((index % 12) + 1).padStart(2, '0')}`;
  };
  const days = Array.from({ length: 31 }, (_, i) => `<td>${i + 1}</td>`).join('');
  return page(
    `${all[monthNumber - 1]} ${year}`,
    `<table><tr><th>Mon</th><th>Tue</th><th>Wed</th><th>Thu</th><th>Fri</th><th>Sat</th><th>Sun</th></tr>
    <tr>${days}</tr></table><p>No events this month.</p>
    <a href="${at(-1)}">Previous month</a> <a href="${at(1)}">Next month</a>`,
  );
}

function archive(n: number): string {
  const first = (n - 1) * postsPerArchivePage + 1;
  const entries =
    n <= archivePages
      ? Array.from(
          { length: postsPerArchivePage },
          (_, i) => `<li><a href="/blog/${first + i}">${words(first + i, 6)}</a></li>`,
        ).join('')
      : '<li>No posts.</li>';
  return page('Archive', `<ul>${entries}</ul><a href="/archive?page=${n + 1}">Older posts</a>`);
}

/** `count` words drawn from a seeded generator: every post has its own text. */
function words(seed: number, count: number): string {
  const vocabulary =
    'river stone lantern orbit maple copper harbor violet engine meadow signal quartz thunder willow canvas ember falcon glacier saddle prism timber velvet anchor cobalt juniper marble nectar pepper raven sable tundra walnut'.split(
      ' ',
    );
  let state = seed * 2654435761;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out.push(vocabulary[(state >>> 16) % vocabulary.length] ?? 'x');
  }
  return out.join(' ');
}

function token(): string {
  return randomBytes(12).toString('hex');
}
