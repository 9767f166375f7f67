import { describe, expect, it } from 'vitest';
import { decodeBody, encodingForLabel } from '../../src/http/charset.js';

const latin1 = (text: string) => Buffer.from(text, 'latin1');
const utf16le = (text: string) =>
  Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
const utf16be = (text: string) => {
  const bytes = Buffer.from(text, 'utf16le');
  bytes.swap16();
  return Buffer.concat([Buffer.from([0xfe, 0xff]), bytes]);
};
// "こんにちは" in Shift_JIS.
const shiftJisHello = Buffer.from([0x82, 0xb1, 0x82, 0xf1, 0x82, 0xc9, 0x82, 0xbf, 0x82, 0xcd]);

describe('decodeBody', () => {
  const table: {
    name: string;
    body: Buffer;
    contentType: string;
    text: string;
    charset: string;
  }[] = [
    {
      name: 'uses the Content-Type charset',
      body: latin1('caf\xe9'),
      contentType: 'text/html; charset=ISO-8859-1',
      text: 'café',
      charset: 'windows-1252',
    },
    {
      name: "reads an XML feed's encoding from its XML declaration",
      body: latin1('<?xml version="1.0" encoding="ISO-8859-1"?><rss><title>caf\xe9</title></rss>'),
      contentType: 'application/rss+xml',
      text: '<?xml version="1.0" encoding="ISO-8859-1"?><rss><title>café</title></rss>',
      charset: 'windows-1252',
    },
    {
      name: 'lets the Content-Type charset win over the XML declaration',
      body: Buffer.from("<?xml version='1.0' encoding='ISO-8859-1'?><a>café</a>"),
      contentType: 'text/xml; charset=utf-8',
      text: "<?xml version='1.0' encoding='ISO-8859-1'?><a>café</a>",
      charset: 'utf-8',
    },
    {
      name: 'ignores an XML declaration in an HTML page',
      body: Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><p>café</p>'),
      contentType: 'text/html',
      text: '<?xml version="1.0" encoding="ISO-8859-1"?><p>café</p>',
      charset: 'utf-8',
    },
    {
      name: 'accepts a quoted Content-Type charset',
      body: latin1('caf\xe9'),
      contentType: 'text/plain; charset="windows-1252"',
      text: 'café',
      charset: 'windows-1252',
    },
    {
      name: 'decodes windows-1252 bytes 0x80-0x9F as the web does (euro, curly quotes, dash)',
      body: Buffer.from([0x80, 0x20, 0x93, 0x71, 0x94, 0x20, 0x96, 0x20, 0x85]),
      contentType: 'text/html; charset=windows-1252',
      text: '€ “q” – …',
      charset: 'windows-1252',
    },
    {
      name: 'decodes shift_jis',
      body: shiftJisHello,
      contentType: 'text/html; charset=Shift_JIS',
      text: 'こんにちは',
      charset: 'shift_jis',
    },
    {
      name: 'lets a UTF-8 BOM win over the header',
      body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('café')]),
      contentType: 'text/html; charset=windows-1252',
      text: 'café',
      charset: 'utf-8',
    },
    {
      name: 'reads a UTF-16LE BOM',
      body: utf16le('héllo'),
      contentType: 'text/html',
      text: 'héllo',
      charset: 'utf-16le',
    },
    {
      name: 'reads a UTF-16BE BOM',
      body: utf16be('héllo'),
      contentType: '',
      text: 'héllo',
      charset: 'utf-16be',
    },
    {
      name: 'finds <meta charset> when the header has none',
      body: latin1('<html><head><meta charset="windows-1252"><title>caf\xe9</title>'),
      contentType: 'text/html',
      text: '<html><head><meta charset="windows-1252"><title>café</title>',
      charset: 'windows-1252',
    },
    {
      name: 'finds <meta http-equiv="Content-Type" content="...charset=...">',
      body: Buffer.concat([
        Buffer.from('<meta http-equiv="content-type" content="text/html; charset=shift_jis">'),
        shiftJisHello,
      ]),
      contentType: '',
      text: '<meta http-equiv="content-type" content="text/html; charset=shift_jis">こんにちは',
      charset: 'shift_jis',
    },
    {
      name: 'ignores a <meta> inside a comment',
      body: latin1('<!-- <meta charset="shift_jis"> --><meta charset=iso-8859-2>\xa1'),
      contentType: 'text/html',
      text: '<!-- <meta charset="shift_jis"> --><meta charset=iso-8859-2>Ą',
      charset: 'iso-8859-2',
    },
    {
      name: 'prefers the header over <meta>',
      body: Buffer.from('<meta charset="windows-1252">café'),
      contentType: 'text/html; charset=utf-8',
      text: '<meta charset="windows-1252">café',
      charset: 'utf-8',
    },
    {
      name: 'does not prescan non-HTML types',
      body: Buffer.from('{"a":"<meta charset=windows-1252> é"}'),
      contentType: 'application/json',
      text: '{"a":"<meta charset=windows-1252> é"}',
      charset: 'utf-8',
    },
    {
      name: 'maps a <meta> declaring UTF-16 to UTF-8 (an ASCII scan found it)',
      body: Buffer.from('<meta charset="utf-16">é'),
      contentType: 'text/html',
      text: '<meta charset="utf-16">é',
      charset: 'utf-8',
    },
    {
      name: 'only looks at the first 1024 bytes for <meta>',
      body: latin1(`${' '.repeat(1100)}<meta charset="windows-1252">\xe9`),
      contentType: 'text/html',
      text: `${' '.repeat(1100)}<meta charset="windows-1252">\ufffd`,
      charset: 'utf-8',
    },
    {
      name: 'defaults to UTF-8',
      body: Buffer.from('naïve'),
      contentType: 'text/html',
      text: 'naïve',
      charset: 'utf-8',
    },
  ];

  for (const row of table) {
    it(row.name, () => {
      const decoded = decodeBody(row.body, row.contentType);
      expect(decoded.text).toBe(row.text);
      expect(decoded.charset).toBe(row.charset);
      expect(decoded.warning).toBeUndefined();
    });
  }

  it('falls back to UTF-8 with a warning when the header label is unknown', () => {
    const decoded = decodeBody(Buffer.from('café'), 'text/plain; charset=klingon');
    expect(decoded).toMatchObject({ text: 'café', charset: 'utf-8' });
    expect(decoded.warning).toContain('klingon');
  });

  it('moves on to <meta> when the header label is unknown, and still warns', () => {
    const decoded = decodeBody(
      latin1('<meta charset="latin1">caf\xe9'),
      'text/html; charset=bogus',
    );
    expect(decoded.text).toBe('<meta charset="latin1">café');
    expect(decoded.charset).toBe('windows-1252');
    expect(decoded.warning).toContain('bogus');
  });

  it('warns about an unknown <meta> label and decodes as UTF-8', () => {
    const decoded = decodeBody(Buffer.from('<meta charset="nope">é'), '');
    expect(decoded.charset).toBe('utf-8');
    expect(decoded.text).toBe('<meta charset="nope">é');
    expect(decoded.warning).toContain('nope');
  });

  it('replaces invalid UTF-8 with U+FFFD instead of throwing', () => {
    expect(decodeBody(Buffer.from([0x61, 0xff, 0x62]), 'text/plain; charset=utf-8').text).toBe(
      'a\ufffdb',
    );
  });

  it('decodes a large windows-1252 body without overflowing the stack', () => {
    const body = Buffer.alloc(200_000, 0x80);
    const decoded = decodeBody(body, 'text/html; charset=windows-1252');
    expect(decoded.text.length).toBe(200_000);
    expect(decoded.text[199_999]).toBe('€');
  });
});

describe('encodingForLabel', () => {
  it('returns canonical WHATWG names, case- and space-insensitively', () => {
    expect(encodingForLabel(' UTF8 ')).toBe('utf-8');
    expect(encodingForLabel('latin1')).toBe('windows-1252');
    expect(encodingForLabel('x-sjis')).toBe('shift_jis');
    expect(encodingForLabel('ks_c_5601-1987')).toBe('euc-kr');
    expect(encodingForLabel('gb2312')).toBe('gbk');
  });

  it('returns undefined for unknown labels', () => {
    expect(encodingForLabel('utf-9')).toBeUndefined();
  });
});
