// HtmlDocument.tables(): headers, rows, spans, records and key/value tables.
import { describe, expect, it } from 'vitest';
import { parseHtml } from '../../src/html/index.js';

describe('HtmlDocument.tables', () => {
  it('reads headers from <thead> and rows from <tbody>', () => {
    const [table] = parseHtml(`<table><caption> Prices </caption>
      <thead><tr><th>Item</th><th>Price</th></tr></thead>
      <tbody><tr><td>Kettle</td><td> 39.90 </td></tr><tr><td>Toaster</td><td>24.50</td></tr></tbody>
    </table>`).tables();
    expect(table?.caption).toBe('Prices');
    expect(table?.headers).toEqual(['Item', 'Price']);
    expect(table?.rows).toEqual([
      ['Kettle', '39.90'],
      ['Toaster', '24.50'],
    ]);
    expect(table?.records()).toEqual([
      { Item: 'Kettle', Price: '39.90' },
      { Item: 'Toaster', Price: '24.50' },
    ]);
    expect(table?.element.tag).toBe('table');
  });

  it('takes a first row of <th> cells as headers when there is no <thead>', () => {
    const [table] = parseHtml(
      '<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>',
    ).tables();
    expect(table?.headers).toEqual(['A', 'B']);
    expect(table?.rows).toEqual([['1', '2']]);
  });

  it('reads a two-column spec table as key/value pairs', () => {
    const [table] = parseHtml(`<table>
      <tr><th>Weight</th><td>1.2 kg</td></tr><tr><th>Colour</th><td>Blue</td></tr>
      <tr><th>Weight</th><td>dup</td></tr><tr><td>lonely</td></tr></table>`).tables();
    expect(table?.headers).toEqual([]);
    expect(table?.keyValues()).toEqual({ Weight: '1.2 kg', Colour: 'Blue' });
    expect(table?.records()[0]).toEqual({ column1: 'Weight', column2: '1.2 kg' });
  });

  it('spreads colspan and rowspan so columns line up', () => {
    const [table] = parseHtml(`<table>
      <tr><th>A</th><th>B</th><th>C</th></tr>
      <tr><td rowspan="2">a</td><td colspan="2">bc</td></tr>
      <tr><td>b2</td><td>c2</td></tr>
      <tr><td>a3</td><td rowspan="0">b3</td><td colspan="x">c3</td></tr></table>`).tables();
    expect(table?.rows).toEqual([
      ['a', 'bc', 'bc'],
      ['a', 'b2', 'c2'],
      ['a3', 'b3', 'c3'],
    ]);
  });

  it('pads short rows and names unnamed or repeated columns', () => {
    const [table] = parseHtml(`<table><tr><th>x</th><th>x</th><th></th></tr>
      <tr><td>1</td></tr><tr><td>1</td><td>2</td><td>3</td><td>4</td></tr></table>`).tables();
    expect(table?.records()).toEqual([
      { x: '1', x_2: '', column3: '', column4: '' },
      { x: '1', x_2: '2', column3: '3', column4: '4' },
    ]);
  });

  it('keeps nested tables apart from their parent', () => {
    const tables = parseHtml(`<table><tr><td>outer
      <table><tr><td>inner</td></tr></table></td><td>o2</td></tr></table>`).tables();
    expect(tables).toHaveLength(2);
    expect(tables[0]?.rows).toHaveLength(1);
    expect(tables[0]?.rows[0]?.[1]).toBe('o2');
    expect(tables[1]?.rows).toEqual([['inner']]);
  });

  it('handles tables without closing tags', () => {
    const [table] = parseHtml('<table><tr><td>1<td>2<tr><td>3<td>4</table>').tables();
    expect(table?.rows).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('caps absurd spans', () => {
    const [table] = parseHtml('<table><tr><td colspan="99999999">x</td></tr></table>').tables();
    expect(table?.rows[0]).toHaveLength(1000);
  });
});
