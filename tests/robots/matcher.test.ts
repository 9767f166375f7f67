// URL-to-path extraction, pattern escaping and wildcard matching (google/robotstxt's internal helpers).
import { describe, expect, it } from 'vitest';
import { compileRule, escapePattern, pathOf } from '../../src/robots/matcher.js';

describe('pathOf', () => {
  // The GetPathParamsQuery expectations from robots_test.cc.
  it.each([
    ['', '/'],
    ['http://www.example.com', '/'],
    ['http://www.example.com/', '/'],
    ['http://www.example.com/a', '/a'],
    ['http://www.example.com/a/', '/a/'],
    ['http://www.example.com/a/b?c=http://d.e/', '/a/b?c=http://d.e/'],
    ['http://www.example.com/a/b?c=d&e=f#fragment', '/a/b?c=d&e=f'],
    ['example.com', '/'],
    ['example.com/', '/'],
    ['example.com/a', '/a'],
    ['example.com/a/', '/a/'],
    ['example.com/a/b?c=d&e=f#fragment', '/a/b?c=d&e=f'],
    ['a', '/'],
    ['a/', '/'],
    ['/a', '/a'],
    ['a/b', '/b'],
    ['example.com?a', '/?a'],
    ['example.com/a;b#c', '/a;b'],
    ['//a/b/c', '/b/c'],
  ])('reads %j as path %j', (url, path) => {
    expect(pathOf(url)).toBe(path);
  });
});

describe('escapePattern', () => {
  it('leaves ASCII patterns unchanged', () => {
    expect(escapePattern('http://www.example.com')).toBe('http://www.example.com');
    expect(escapePattern('/a/b/c')).toBe('/a/b/c');
  });

  it('percent-encodes octets above 0x7f and upper-cases existing escapes', () => {
    expect(escapePattern(Buffer.from('á').toString('latin1'))).toBe('%C3%A1');
    expect(escapePattern('%aa')).toBe('%AA');
    expect(escapePattern('/%zz/%2f')).toBe('/%zz/%2F');
  });
});

describe('compileRule', () => {
  it('matches prefixes, `*` anywhere and `$` only at the end', () => {
    expect(compileRule(false, '/fish').matches('/fish.html')).toBe(true);
    expect(compileRule(false, '/fish$').matches('/fish.html')).toBe(false);
    expect(compileRule(false, '/*.php$').matches('/a/b.php')).toBe(true);
    expect(compileRule(false, '/*.php$').matches('/a/b.php?x')).toBe(false);
    expect(compileRule(false, '/a$b').matches('/a$bc')).toBe(true);
    expect(compileRule(false, '/*a*a$').matches('/aa')).toBe(true);
    expect(compileRule(false, '/*ab*ab$').matches('/abab')).toBe(true);
    expect(compileRule(false, '/*ab*ab$').matches('/ab')).toBe(false);
    expect(compileRule(false, '$').matches('/')).toBe(false);
    expect(compileRule(false, '*$').matches('/')).toBe(true);
  });

  it('uses the pattern length, wildcards included, as priority', () => {
    expect(compileRule(true, '/*.php$').priority).toBe(7);
  });
});
