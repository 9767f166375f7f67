// FastTokenizer skips text and attribute values with indexOf: every event htmlparser2's own Tokenizer gives, it must
// give the same, in one write or in chunks, in HTML and in XML mode.
import { type Handler, Parser, type ParserOptions } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { FastTokenizer } from '../../src/html/fast-tokenizer.js';
import { PARSER_OPTIONS, XML_PARSER_OPTIONS } from '../../src/html/parser-options.js';

const EVENTS = [
  'onopentag',
  'onclosetag',
  'ontext',
  'oncomment',
  'oncdatastart',
  'oncdataend',
  'onprocessinginstruction',
  'onattribute',
] as const;

/** Every event the Parser gives for `html`, written in `chunks` pieces. */
function events(html: string, options: ParserOptions, chunks = 1): string[] {
  const seen: string[] = [];
  const handler: Partial<Handler> = {};
  for (const name of EVENTS) {
    (handler as Record<string, unknown>)[name] = (...args: unknown[]) =>
      seen.push(JSON.stringify([name, ...args]));
  }
  const parser = new Parser(handler, options);
  const size = Math.ceil(html.length / chunks);
  for (let at = 0; at < html.length; at += size) parser.write(html.slice(at, at + size));
  parser.end();
  return seen;
}

function expectSameEvents(html: string): void {
  for (const options of [PARSER_OPTIONS, XML_PARSER_OPTIONS]) {
    const { Tokenizer: _fast, ...plain } = options;
    const fast = { ...options, Tokenizer: FastTokenizer };
    expect(options.Tokenizer).toBe(FastTokenizer);
    for (const chunks of [1, 3, 17]) {
      expect({ html, chunks, events: events(html, fast, chunks) }).toEqual({
        html,
        chunks,
        events: events(html, plain, chunks),
      });
    }
  }
}

describe('FastTokenizer', () => {
  const cases = [
    '<p class="a &amp; b" title=\'x&lt;y\' data-u=un&amp;quoted>Tom &amp; Jerry &copy 2026 &notin; &#x41;&#66;</p>',
    'text only, with & and &amp; and &unknown; and a trailing &',
    '<a href="?a=1&b=2&amp;c=3">q</a><a href=\'single"quote\'>s</a><a href="">e</a><a href=">">g</a>',
    '<script>if (a < b && c > d) { x = "&amp;" }</script><style>a[title="&"] {}</style><title>A &amp; B</title><textarea>&lt;x&gt;</textarea>',
    '<!-- c & d --><![CDATA[ & ]]><?xml version="1.0"?><!doctype html><svg><![CDATA[x & y]]></svg>',
    '<div title="unterminated & value',
    'ends inside text &am',
    '<p>&',
    '',
  ];
  for (const html of cases) it(html.slice(0, 60) || '(empty)', () => expectSameEvents(html));

  it('on 1,000 seeded random documents', () => {
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const pieces = [
      '<p>',
      '</p>',
      '<a href="',
      '"',
      "'",
      '&',
      '&amp;',
      '&copy',
      '&#',
      'x',
      ' ',
      '<',
      '>',
      '=',
      '<b class=',
      'c&d',
      '<!--',
      '-->',
      '<script>',
      '</script>',
      '<title>',
      '</title>',
      '<![CDATA[',
      ']]>',
      '\n',
      'é',
      '&lt;',
      '/',
      '<br/>',
    ];
    for (let i = 0; i < 1000; i++) {
      let html = '';
      const count = Math.floor(random() * 40);
      for (let j = 0; j < count; j++) html += pieces[Math.floor(random() * pieces.length)];
      expectSameEvents(html);
    }
  });
});
