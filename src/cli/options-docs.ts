/**
 * The options tables of README.md and docs/server.md, rendered from the option table. `npm run docs:options`
 * writes them between their markers; tests/cli/options-docs.test.ts fails when a file holds a stale one.
 */
import {
  type AnySpec,
  apiRule,
  defaultText,
  expectation,
  type OptionEntry,
  optionEntries,
} from '../crawler/option-specs.js';

export interface DocsTable {
  /** Relative to the repository root. */
  file: string;
  /** The table sits between `<!-- NAME:start -->` and `<!-- NAME:end -->`. */
  marker: string;
  render(): string;
}

export const docsTables: readonly DocsTable[] = [
  { file: 'README.md', marker: 'options', render: optionsTable },
  { file: 'docs/server.md', marker: 'job-options', render: jobOptionsTable },
];

/** Every option: crawl() name, CLI flag, accepted values, default, meaning. */
export function optionsTable(): string {
  return table(
    ['option', 'CLI flag', 'accepts', 'default', 'meaning'],
    optionEntries().map((entry) => [
      code(entry.path),
      flagCell(entry.spec),
      expectationCell(entry.spec),
      defaultCell(entry.spec),
      meaningCell(entry),
    ]),
  );
}

/** The options an API job may set, under the API's bounds. */
export function jobOptionsTable(): string {
  return table(
    ['option', 'accepts', 'default', 'meaning'],
    optionEntries().flatMap((entry) => {
      const rule = apiRule(entry.spec);
      if (!rule) return [];
      return [
        [code(entry.path), text(expectation(rule)), defaultCell(entry.spec), text(entry.spec.help)],
      ];
    }),
  );
}

/** `text` with the block between the markers replaced by `content`; throws when the markers are missing. */
export function withTable(text: string, marker: string, content: string): string {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to < from) throw new Error(`markers ${start} … ${end} not found`);
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

function flagCell(spec: AnySpec): string {
  if (spec.flag === undefined) return '';
  const flag = code(`--${spec.flag}${spec.arg ? ` ${spec.arg}` : ''}`);
  return spec.short ? `${code(`-${spec.short}`)}, ${flag}` : flag;
}

function expectationCell(spec: AnySpec): string {
  if (spec.kind === 'fields') return 'an object of the budgets below';
  if (spec.kind === 'toggle') return 'true, or an object of the settings below';
  return text(expectation(spec));
}

function defaultCell(spec: AnySpec): string {
  if (spec.kind === 'fields') return 'below';
  const shown = defaultText(spec);
  if (shown === undefined) return 'none';
  // A value one could type is code; a description (`the spider's name`, `32 MiB`) is prose.
  return /^[\w./:<>-]+$/.test(shown) ? code(shown) : text(shown);
}

function meaningCell({ spec }: OptionEntry): string {
  return spec.docs ? `${text(spec.help)}; ${spec.docs}` : text(spec.help);
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

const code = (value: string) => `\`${value.replaceAll('|', '\\|')}\``;
const text = (value: string) =>
  value.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
