// A site of three sections for the adaptive ladder: pages plain HTML, pages built by script, and pages that change.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdaptiveOptions } from '../../src/crawler/spider.js';
import { defineSpider, request } from '../../src/index.js';

/** Detail pages per section, and listing pages (each links to its details and the next listing). */
export const detailsPerSection = 6;
const listings = 3;

/** How a section's page is served: as HTML, or as an empty shell a script fills in. */
export type Build = (path: string) => 'html' | 'script';

function page(title: string, body: string, build: 'html' | 'script'): string {
  if (build === 'html')
    return `<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`;
  // The same body, written by a script: an HTTP fetch sees an empty <main>.
  return `<!doctype html><html><head><title>${title}</title></head><body><main id="app"></main>
<script>document.getElementById('app').innerHTML = ${JSON.stringify(body)};</script></body></html>`;
}

function listing(section: string, n: number): string {
  const links: string[] = [];
  for (let i = 0; i < detailsPerSection / listings; i++) {
    const id = (n - 1) * (detailsPerSection / listings) + i + 1;
    links.push(`<a class="detail" href="/${section}/p${id}">p${id}</a>`);
  }
  if (n < listings) links.push(`<a class="next" href="/${section}/list/${n + 1}">next</a>`);
  return links.join('\n');
}

/** Routes for `startLocalServer`: /<section>/list/<n> and /<section>/p<id>, built as `sections[section]` says. */
export function ladderRoutes(sections: Record<string, Build>) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const match = /^\/(\w+)\/(?:list\/(\d+)|p(\d+))$/.exec(path);
    const build = match?.[1] ? sections[match[1]] : undefined;
    if (!match || !build) {
      res.writeHead(404).end('not found');
      return;
    }
    const section = match[1] as string;
    const body = match[2]
      ? listing(section, Number(match[2]))
      : `<h1 class="title">${section} item ${match[3]}</h1>`;
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(page(path, body, build(path)));
  };
}

/** A spider over the sections: `list` follows every link, `detail` needs its title (throws without one). */
export function ladderSpider(origin: string, sections: string[], adaptive: AdaptiveOptions) {
  return defineSpider({
    name: 'ladder',
    start: () =>
      sections.map((section) => request(`${origin}/${section}/list/1`, { handler: 'list' })),
    fetch: 'adaptive',
    adaptive,
    *list(page) {
      for (const href of page.select('a.detail').map((a) => a.attr('href') ?? '')) {
        yield page.follow(href, 'detail');
      }
      const next = page.attr('a.next', 'href');
      if (next) yield page.follow(next, 'list');
    },
    *detail(page) {
      const title = page.text('h1.title');
      if (!title) throw new Error(`no title on ${page.url}`);
      yield { url: page.url, title };
    },
  });
}
