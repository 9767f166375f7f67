// lowerTagName: the shared string of a common name, and always what slice + toLowerCase give.
import { describe, expect, it } from 'vitest';
import { lowerTagName } from '../../src/html/tag-names.js';

/** `name` read from the middle of a page, as the tokenizer hands it over. */
function read(name: string): string {
  const html = `<x ${name}>`;
  return lowerTagName(html, 3, 3 + name.length);
}

describe('lowerTagName', () => {
  it('reads common names in any case as the lower-case name', () => {
    for (const name of [
      'div',
      'DIV',
      'Div',
      'a',
      'A',
      'h1',
      'H6',
      'TextArea',
      'svg',
      'Script',
      'tbody',
    ]) {
      expect(read(name)).toBe(name.toLowerCase());
    }
  });

  it('matches slice + toLowerCase where a name is only close to a common one', () => {
    const near = [
      'h\u0011', // a control character that `| 0x20` would turn into the digit of `h1`
      'h\u0031\u0031',
      'li\u212a', // KELVIN SIGN: lower-cases to an ASCII k
      'lınk',
      'dív',
      'di_v',
      'spam',
      'span-x',
      'custom-element',
      'ÄBBR',
      '',
      'x'.repeat(40),
    ];
    for (const name of near) expect(read(name)).toBe(name.toLowerCase());
  });

  it('agrees with slice + toLowerCase on random names', () => {
    const alphabet = 'aAbBdDhHiIlLpPsStTvV1_-\u212a\u0130é\u0011';
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let n = 0; n < 20000; n++) {
      let name = '';
      const length = 1 + (random() % 6);
      for (let i = 0; i < length; i++) name += alphabet[random() % alphabet.length];
      expect(read(name)).toBe(name.toLowerCase());
    }
  });
});
