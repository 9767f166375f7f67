/** Tables as data: header texts and a rectangular grid of cell texts, with colspan/rowspan spread out. */
import { type Element, isTag } from 'domhandler';
import type { HtmlElement, HtmlNode } from './element.js';
import { textOf } from './text.js';

/** One `<table>` of a page. */
export interface Table {
  /** The `<table>` element itself. */
  element: HtmlElement;
  /** Text of the `<caption>`, if any. */
  caption: string | undefined;
  /**
   * Column names: the last row of `<thead>`, else the first row when all its cells are `<th>`, else `[]`.
   * That row is not repeated in `rows`.
   */
  headers: string[];
  /** Body rows of cell texts. A cell spanning n columns or rows appears n times, so columns line up. */
  rows: string[][];
  /** Each row as `{ header: cell }`; a column without a header is keyed `column<n>` (from 1), a repeated one `name_2`. */
  records(): Array<Record<string, string>>;
  /** Two-column "spec sheet" tables (`<th>Weight</th><td>1 kg</td>`) as `{ Weight: '1 kg' }`; first key wins. */
  keyValues(): Record<string, string>;
}

// The HTML spec's limits: a page cannot make us allocate more than this per cell.
const MAX_COLSPAN = 1000;
const MAX_ROWSPAN = 65534;

/** Every table under `root`, nested ones included (each reads only its own rows). */
export function readTables(root: HtmlNode): Table[] {
  return root.select('table').map(readTable);
}

/** Reads one table element. */
export function readTable(table: HtmlElement): Table {
  const head: Element[] = [];
  const bodySections: Element[][] = [];
  let loose: Element[] | undefined;
  let caption: string | undefined;
  // Direct children only (htmlparser2 does not insert <tbody>): rows of nested tables belong to those tables.
  for (const child of table.node.children) {
    if (!isTag(child)) continue;
    if (child.name === 'tr') {
      if (loose === undefined) {
        loose = [];
        bodySections.push(loose);
      }
      loose.push(child);
      continue;
    }
    loose = undefined;
    if (child.name === 'thead') head.push(...rowsOf(child));
    else if (child.name === 'tbody' || child.name === 'tfoot') bodySections.push(rowsOf(child));
    else if (child.name === 'caption' && caption === undefined)
      caption = textOf(child) || undefined;
  }

  let headers: string[] = [];
  const rows: string[][] = [];
  for (const section of bodySections) rows.push(...gridOf(section));
  if (head.length > 0) {
    headers = gridOf(head).at(-1) ?? [];
  } else {
    const firstRow = bodySections.find((section) => section.length > 0)?.[0];
    if (firstRow !== undefined && isHeaderRow(firstRow)) headers = rows.shift() ?? [];
  }
  return {
    element: table,
    caption,
    headers,
    rows,
    records: () => toRecords(headers, rows),
    keyValues: () => toKeyValues(rows),
  };
}

function rowsOf(section: Element): Element[] {
  return section.children.filter((child): child is Element => isTag(child) && child.name === 'tr');
}

function cellsOf(row: Element): Element[] {
  return row.children.filter(
    (child): child is Element => isTag(child) && (child.name === 'td' || child.name === 'th'),
  );
}

function isHeaderRow(row: Element): boolean {
  const cells = cellsOf(row);
  return cells.length > 0 && cells.every((cell) => cell.name === 'th');
}

/** Lays out one row group: cells placed left to right, skipping columns still covered by a rowspan from above. */
function gridOf(rows: Element[]): string[][] {
  const grid: string[][] = [];
  // Per column: the text still hanging down from a rowspan above, and for how many more rows.
  const carried: Array<{ text: string; rowsLeft: number } | undefined> = [];
  for (const row of rows) {
    const line: string[] = [];
    let column = 0;
    const fillCarried = (): void => {
      for (
        let carry = carried[column];
        carry !== undefined && carry.rowsLeft > 0;
        carry = carried[column]
      ) {
        line[column++] = carry.text;
        carry.rowsLeft--;
      }
    };
    for (const cell of cellsOf(row)) {
      fillCarried();
      const text = textOf(cell);
      const colspan = spanOf(cell.attribs.colspan, MAX_COLSPAN);
      const rowspan = spanOf(cell.attribs.rowspan, MAX_ROWSPAN);
      for (let i = 0; i < colspan; i++) {
        carried[column] = rowspan > 1 ? { text, rowsLeft: rowspan - 1 } : undefined;
        line[column++] = text;
      }
    }
    while (column < carried.length) {
      fillCarried();
      column++;
    }
    grid.push(Array.from(line, (text) => text ?? ''));
  }
  return grid;
}

function spanOf(value: string | undefined, max: number): number {
  const span = Number.parseInt(value ?? '', 10);
  return Number.isFinite(span) && span >= 1 ? Math.min(span, max) : 1;
}

function toRecords(headers: string[], rows: string[][]): Array<Record<string, string>> {
  let width = headers.length;
  for (const row of rows) width = Math.max(width, row.length);
  const keys: string[] = [];
  const used = new Set<string>();
  for (let i = 0; i < width; i++) {
    const base = headers[i] || `column${i + 1}`;
    let key = base;
    for (let n = 2; used.has(key); n++) key = `${base}_${n}`;
    used.add(key);
    keys.push(key);
  }
  // fromEntries defines own properties, so a column named "__proto__" is data, not a prototype change.
  return rows.map((row) => Object.fromEntries(keys.map((key, i) => [key, row[i] ?? ''])));
}

function toKeyValues(rows: string[][]): Record<string, string> {
  const pairs = new Map<string, string>();
  for (const [key, value] of rows) {
    if (key && value !== undefined && !pairs.has(key)) pairs.set(key, value);
  }
  return Object.fromEntries(pairs);
}
