/** Prometheus' text exposition format (version 0.0.4), written by hand: a few metric families need no library. */

export const prometheusContentType = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  /** Appended to the family's name: `_bucket`, `_sum`, `_count` for a histogram. */
  suffix?: string;
  labels?: Labels;
  value: number;
}

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** Collects metric families, each with its HELP and TYPE lines, in the order they are added. */
export class PrometheusText {
  readonly #lines: string[] = [];

  family(name: string, type: MetricType, help: string, samples: readonly Sample[]): this {
    this.#lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    this.#lines.push(`# TYPE ${name} ${type}`);
    for (const sample of samples) {
      this.#lines.push(
        `${name}${sample.suffix ?? ''}${labelText(sample.labels)} ${numberText(sample.value)}`,
      );
    }
    return this;
  }

  toString(): string {
    return `${this.#lines.join('\n')}\n`;
  }
}

function labelText(labels: Labels | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return '';
  const pairs = entries.map(
    ([key, value]) =>
      `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
  );
  return `{${pairs.join(',')}}`;
}

function numberText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}
