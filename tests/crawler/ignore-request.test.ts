import { describe, expect, it } from 'vitest';
import { CrawlError, IgnoreRequest } from '../../src/errors.js';

describe('IgnoreRequest', () => {
  it('is a CrawlError with its code and reason, and no stack frames (a signal, thrown for most links)', () => {
    const ignored = new IgnoreRequest('offsite: http://elsewhere.test/', 'AR_OFFSITE');
    expect(ignored).toBeInstanceOf(CrawlError);
    expect(ignored.code).toBe('AR_OFFSITE');
    expect(ignored.message).toBe('offsite: http://elsewhere.test/');
    expect(ignored.stack?.split('\n')).toEqual(['IgnoreRequest: offsite: http://elsewhere.test/']);
  });

  it('leaves stack traces of every other error as they were', () => {
    const limit = Error.stackTraceLimit;
    new IgnoreRequest('dropped');
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new CrawlError('AR_IGNORED', 'x').stack?.split('\n').length).toBeGreaterThan(1);
  });
});
