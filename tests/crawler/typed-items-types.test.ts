/** Type checks of page.item (run by `npx tsc --noEmit -p .`; the vitest run only checks that the spec is accepted). */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineItem, defineSpider, toPrice, trim } from '../../src/index.js';

const Product = z.object({
  name: z.string().min(1),
  price: z.number().positive(),
  sku: z.string().nullable(),
});

describe('page.item types', () => {
  it('checks the item-type name and the value against the declared schema', () => {
    const spider = defineSpider({
      name: 'typed-items',
      start: 'http://127.0.0.1/',
      items: {
        product: defineItem(Product, { price: [trim, toPrice] }),
        review: z.object({ stars: z.number() }),
      },
      parse(page) {
        // price has processors: it takes the raw text and may be missing.
        yield_(page.item('product', { name: 'x', price: ' $12 ', sku: null }));
        yield_(page.item('product', { name: 'x', sku: 'a' }));
        yield_(page.item('review', { stars: 4 }));
        // @ts-expect-error 'prodcut' is not a declared item type
        yield_(page.item('prodcut', { name: 'x' }));
        // @ts-expect-error stars must be a number (review has no processors)
        yield_(page.item('review', { stars: '4' }));
        // @ts-expect-error name is required by the schema
        yield_(page.item('product', { price: '1', sku: null }));
        const item = page.item('review', { stars: 1 });
        expectTypeOf(item.stars).toEqualTypeOf<unknown>();
        return item;
      },
    });
    expect(Object.keys(spider.items ?? {})).toEqual(['product', 'review']);
  });

  it('rejects processors for fields the schema does not have', () => {
    // @ts-expect-error 'cost' is not a field of Product
    const declared = defineItem(Product, { cost: [toPrice] });
    expect(declared.fields).toBeDefined();
  });

  it('gives page.item no name when the spider declares no items', () => {
    defineSpider({
      name: 'untyped',
      start: 'http://127.0.0.1/',
      parse(page) {
        // @ts-expect-error no item types are declared
        return page.item('product', {});
      },
    });
  });
});

function yield_(_value: unknown): void {}
