import { describe, expect, it } from 'vitest';
import { PrometheusText } from '../../src/server/prometheus-text.js';

describe('PrometheusText', () => {
  it('writes HELP and TYPE before the samples, escapes label values, spells infinities', () => {
    const text = new PrometheusText()
      .family('x_total', 'counter', 'Things.\nCounted.', [
        { labels: { name: 'a "b" c\\d\ne' }, value: 3 },
        { value: Number.POSITIVE_INFINITY },
      ])
      .family('y', 'gauge', 'Empty.', [])
      .toString();
    expect(text).toBe(
      [
        '# HELP x_total Things.\\nCounted.',
        '# TYPE x_total counter',
        'x_total{name="a \\"b\\" c\\\\d\\ne"} 3',
        'x_total +Inf',
        '# HELP y Empty.',
        '# TYPE y gauge',
        '',
      ].join('\n'),
    );
  });
});
