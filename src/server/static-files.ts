/**
 * The dashboard's static files (no token: they hold no data). Served from `<package>/src/server/dashboard`, both
 * from the sources and from dist/ (the folder ships in the package), plus uPlot from its package under /vendor/.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Env, Hono } from 'hono';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

const safeName = /^[\w][\w.-]*$/;

/** `<package>/src/server/dashboard`, whether this module runs from src/server or dist/server. */
export function dashboardDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const besideMe = join(here, 'dashboard');
  return existsSync(besideMe) ? besideMe : join(here, '..', '..', 'src', 'server', 'dashboard');
}

const vendor: Record<string, string> = {
  'uPlot.iife.min.js': 'uplot/dist/uPlot.iife.min.js',
  'uPlot.min.css': 'uplot/dist/uPlot.min.css',
};

export function staticRoutes<E extends Env>(app: Hono<E>, dir = dashboardDir()): void {
  app.get('/', (c) => serveFile(c, dir, 'index.html'));
  app.get('/vendor/:file', (c) => {
    const module = vendor[c.req.param('file')];
    if (!module) return c.notFound();
    let path: string;
    try {
      path = createRequire(import.meta.url).resolve(module);
    } catch {
      return c.notFound();
    }
    return serveFile(c, dirname(path), c.req.param('file'));
  });
  app.get('/:file', (c) => serveFile(c, dir, c.req.param('file')));
}

/** Only names listed in the folder itself are served: the request never builds a path on its own. */
async function serveFile(c: Context, dir: string, name: string): Promise<Response> {
  if (!safeName.test(name) || !listing(dir).includes(name)) return c.notFound();
  const body = await readFile(join(dir, name));
  return c.body(body, 200, {
    'content-type': types[extname(name)] ?? 'application/octet-stream',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  });
}

function listing(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
