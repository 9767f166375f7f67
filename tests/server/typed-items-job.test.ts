/** Typed items in a server job: the `invalidItems` job option, and the invalid counts in the job's stats. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { lines, makeProject, startTestServer, type TestServer } from './server-helpers.js';

let site: LocalServer;
let t: TestServer;

beforeAll(async () => {
  site = await startLocalServer(
    {
      '/robots.txt': (_req, res) => void res.writeHead(404).end(),
      '/': '<a href="/p/1">1</a><a href="/p/2">2</a>',
      '/p/1': '<h1>Lamp</h1><span class="price">$12.50</span>',
      '/p/2': '<h1>Desk</h1><span class="price">call us</span>',
    },
    { host: '127.0.0.1' },
  );
  // A hand-written Standard Schema: the project needs no validator package installed.
  const project = await makeProject({
    'typed.ts': `import { defineItem, defineSpider, toPrice } from 'arachne';
const Product = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) =>
      typeof value.price === 'number' ? { value } : { issues: [{ message: 'no price', path: ['price'] }] },
  },
};
export default defineSpider({
  name: 'typed',
  start: ['http://127.0.0.1:9/'],
  items: { product: defineItem(Product, { price: [toPrice] }) },
  *parse(page) {
    for (const link of page.links()) yield page.follow(link, 'product');
  },
  *product(page) {
    yield page.item('product', { name: page.text('h1'), price: page.text('.price') });
  },
});
`,
  });
  t = await startTestServer({ project, allowPrivate: true });
});
afterAll(async () => {
  await t?.close();
  await site?.close();
});

async function run(options: object): Promise<{ stats: Record<string, unknown>; items: unknown[] }> {
  const response = await t.api('POST', '/api/jobs', {
    spider: 'typed',
    start: [`${site.origin}/`],
    options,
  });
  expect(response.status, response.text).toBe(201);
  const id = response.json.job.id as string;
  const job = await t.waitForStatus(id, ['finished', 'failed']);
  expect(job.status).toBe('finished');
  const items = await t.api('GET', `/api/jobs/${id}/items?limit=100`);
  return {
    stats: job.stats as unknown as Record<string, unknown>,
    items: lines(items.text).map((line) => JSON.parse(line) as unknown),
  };
}

describe('typed items in server jobs', () => {
  it('drops invalid items by default and counts them by field in the job stats', async () => {
    const { stats, items } = await run({});
    expect(items).toEqual([{ name: 'Lamp', price: 12.5 }]);
    expect(stats).toMatchObject({
      items: 1,
      invalidItems: 1,
      invalidItemsKept: 0,
      invalidItemsByField: { 'product.price': 1 },
    });
  });

  it("keeps them with the job option invalidItems: 'keep'", async () => {
    const { stats, items } = await run({ invalidItems: 'keep' });
    expect(items).toHaveLength(2);
    expect(stats).toMatchObject({ items: 2, invalidItems: 1, invalidItemsKept: 1 });
  });

  it('refuses a value other than drop or keep', async () => {
    const response = await t.api('POST', '/api/jobs', {
      spider: 'typed',
      start: [`${site.origin}/`],
      options: { invalidItems: 'fix' },
    });
    expect(response.status).toBe(400);
  });
});
