// Failure snapshots are files a user shares: their names never carry a start URL's credentials.
import { describe, expect, it } from 'vitest';
import { nameFor } from '../../src/browser/page-tools.js';

describe('snapshot file names', () => {
  it('name the page without the user and password of its URL', () => {
    const name = nameFor('http://alice:s3cret@shop.test/products/1');
    expect(name).toMatch(/^shop\.test_products_1-[0-9a-f]{8}$/);
    expect(name).toBe(nameFor('http://shop.test/products/1'));
  });
});
