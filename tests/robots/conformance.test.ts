// Every IsUserAgentAllowed assertion from google/robotstxt's robots_test.cc (see fixtures/README.md).
import { describe, expect, it } from 'vitest';
import { isAllowed } from '../../src/robots/index.js';
import cases from './fixtures/google-robotstxt-cases.json' with { type: 'json' };

describe('google/robotstxt conformance', () => {
  it('has all 145 cases', () => {
    expect(cases).toHaveLength(145);
  });

  describe.each(cases)('$name', ({ robotstxt, useragent, url, allowed }) => {
    it(`answers ${allowed ? 'allowed' : 'disallowed'} like google/robotstxt`, () => {
      expect(isAllowed(robotstxt, useragent, url)).toBe(allowed);
    });
  });
});
