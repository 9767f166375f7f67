/**
 * The element events htmlparser2's Parser gives in HTML mode (open with attributes, close, text), made straight from
 * its Tokenizer's callbacks for a reader that needs few of them: text is sliced only while the reader wants it, and
 * only the attributes it names are read. The Parser slices and lower-cases every attribute and builds an object per
 * element; on a 37 KB shop page that was half the time of a DOM-free field scan.
 *
 * The tree rules are the Parser's, ported from htmlparser2 12's `Parser.js` (MIT, Felix Böhm): implied end tags
 * (`openImpliesClose`), void elements, a second `<form>` ignored, `</p>` and `</br>` without an opening tag, the
 * foreign-content stack (SVG and MathML, HTML integration points, SVG name case), `<image>` read as `<img>`, and
 * CDATA read as text in foreign content only. tests/html/field-scan.test.ts checks the results against the DOM
 * that the Parser itself builds, on hostile markup and random documents.
 */
import type { TokenizerCallbacks } from 'htmlparser2';
import { FastTokenizer } from './fast-tokenizer.js';
import { PARSER_OPTIONS } from './parser-options.js';
import { lowerTagName } from './tag-names.js';

/** What reads the events; `attribs` holds only the attributes asked for, first occurrence kept, entities decoded. */
export interface TreeReader {
  onopentag(name: string, attribs: Record<string, string>): void;
  onclosetag(name: string): void;
  ontext(data: string): void;
  /** Whether text matters now: when false, text is not even sliced. */
  readonly reading: boolean;
  /** Whether `onopentag` of an element named `name`, opening now, reads its attributes: when not, none are read. */
  wantsAttributes(name: string): boolean;
}

/** The attributes of an element whose reader does not read them. */
const UNREAD: Record<string, string> = Object.freeze({});

/** Runs the events of `html` into `reader`, reading the attributes in `attributes` (lower-case names). */
export function readTree(html: string, reader: TreeReader, attributes: readonly string[]): void {
  const tokenizer = new FastTokenizer(PARSER_OPTIONS, new TreeEvents(html, reader, attributes));
  tokenizer.write(html);
  tokenizer.end();
}

const formTags = new Set([
  'input',
  'option',
  'optgroup',
  'select',
  'button',
  'datalist',
  'textarea',
]);
const pTag = new Set(['p']);
const headingTags = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p']);
const tableSectionTags = new Set(['thead', 'tbody']);
const ddtTags = new Set(['dd', 'dt']);
const rtpTags = new Set(['rt', 'rp']);
const openImpliesClose = new Map<string, Set<string>>([
  ['tr', new Set(['tr', 'th', 'td'])],
  ['th', new Set(['th'])],
  ['td', new Set(['thead', 'th', 'td'])],
  ['body', new Set(['head', 'link', 'script'])],
  ['a', new Set(['a'])],
  ['li', new Set(['li'])],
  ['p', pTag],
  ['h1', headingTags],
  ['h2', headingTags],
  ['h3', headingTags],
  ['h4', headingTags],
  ['h5', headingTags],
  ['h6', headingTags],
  ['select', formTags],
  ['input', formTags],
  ['output', formTags],
  ['button', formTags],
  ['datalist', formTags],
  ['textarea', formTags],
  ['option', new Set(['option'])],
  ['optgroup', new Set(['optgroup', 'option'])],
  ['dd', ddtTags],
  ['dt', ddtTags],
  ['address', pTag],
  ['article', pTag],
  ['aside', pTag],
  ['blockquote', pTag],
  ['details', pTag],
  ['div', pTag],
  ['dl', pTag],
  ['fieldset', pTag],
  ['figcaption', pTag],
  ['figure', pTag],
  ['footer', pTag],
  ['form', pTag],
  ['header', pTag],
  ['hr', pTag],
  ['main', pTag],
  ['nav', pTag],
  ['ol', pTag],
  ['pre', pTag],
  ['section', pTag],
  ['table', pTag],
  ['ul', pTag],
  ['rt', rtpTags],
  ['rp', rtpTags],
  ['tbody', tableSectionTags],
  ['tfoot', tableSectionTags],
]);
const voidElements = new Set(
  'area base basefont br col command embed frame hr img input isindex keygen link meta param source track wbr'.split(
    ' ',
  ),
);
const foreignContextElements = new Set(['math', 'svg']);
const htmlIntegrationElements = new Set([
  'mi',
  'mo',
  'mn',
  'ms',
  'mtext',
  'annotation-xml',
  'foreignObject',
  'desc',
  'title',
]);
const svgTagNameAdjustments = new Map(
  (
    'altGlyph altGlyphDef altGlyphItem animateColor animateMotion animateTransform clipPath feBlend feColorMatrix ' +
    'feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting feDisplacementMap feDistantLight ' +
    'feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur feImage feMerge feMergeNode feMorphology ' +
    'feOffset fePointLight feSpecularLighting feSpotLight feTile feTurbulence foreignObject glyphRef linearGradient ' +
    'radialGradient textPath'
  )
    .split(' ')
    .map((name) => [name.toLowerCase(), name]),
);

const NONE = 0;
const SVG = 1;
const MATH = 2;

class TreeEvents implements TokenizerCallbacks {
  readonly #html: string;
  readonly #reader: TreeReader;
  readonly #attributes: readonly string[];
  #tagname = '';
  #attribs: Record<string, string> | null = null;
  /** The attribute being read, or '' when it is not one of `#attributes` (or the element's are not read). */
  #attribname = '';
  #attribvalue = '';
  /** Open elements, innermost last. */
  readonly #stack: string[] = [];
  /** Foreign-content contexts, innermost last. */
  readonly #foreign: number[] = [NONE];

  constructor(html: string, reader: TreeReader, attributes: readonly string[]) {
    this.#html = html;
    this.#reader = reader;
    this.#attributes = attributes;
  }

  isInForeignContext(): boolean {
    return this.#foreign[this.#foreign.length - 1] !== NONE;
  }

  #readTagName(start: number, end: number): string {
    const name = lowerTagName(this.#html, start, end);
    if (this.#foreign[this.#foreign.length - 1] === SVG)
      return svgTagNameAdjustments.get(name) ?? name;
    // An SVG element's end tag inside an HTML integration point matches the name as pushed.
    if (this.#foreign.length > 1) {
      const adjusted = svgTagNameAdjustments.get(name);
      if (adjusted !== undefined && this.#stack.includes(adjusted)) return adjusted;
    }
    if (!this.isInForeignContext()) return name === 'image' ? 'img' : name;
    return name;
  }

  onopentagname(start: number, end: number): void {
    this.#emitOpenTag(this.#readTagName(start, end));
  }

  #emitOpenTag(name: string): void {
    this.#tagname = name;
    if (name === 'form' && this.#stack.includes('form')) {
      this.#tagname = '';
      return;
    }
    const impliesClose = openImpliesClose.get(name);
    if (impliesClose) {
      while (this.#stack.length > 0 && impliesClose.has(this.#stack[this.#stack.length - 1] ?? ''))
        this.#popElement();
    }
    if (!voidElements.has(name)) {
      this.#stack.push(name);
      if (name === 'svg') this.#foreign.push(SVG);
      else if (name === 'math') this.#foreign.push(MATH);
      else if (htmlIntegrationElements.has(name)) this.#foreign.push(NONE);
    }
    this.#attribs = this.#reader.wantsAttributes(name) ? {} : UNREAD;
  }

  #endOpenTag(): void {
    if (this.#attribs) {
      this.#reader.onopentag(this.#tagname, this.#attribs);
      this.#attribs = null;
    }
    if (voidElements.has(this.#tagname)) this.#reader.onclosetag(this.#tagname);
    this.#tagname = '';
  }

  onopentagend(): void {
    this.#endOpenTag();
  }

  onclosetag(start: number, end: number): void {
    const name = this.#readTagName(start, end);
    if (!voidElements.has(name)) {
      const at = this.#stack.lastIndexOf(name);
      if (at !== -1) {
        while (this.#stack.length > at + 1) this.#popElement();
        this.#popElement();
      } else if (name === 'p') {
        this.#emitOpenTag('p');
        this.#closeCurrentTag();
      }
    } else if (name === 'br') {
      this.#reader.onopentag('br', {});
      this.#reader.onclosetag('br');
    }
  }

  onselfclosingtag(): void {
    // recognizeSelfClosing is off in HTML: only foreign elements close themselves.
    if (this.isInForeignContext()) this.#closeCurrentTag();
    else this.#endOpenTag();
  }

  #popElement(): void {
    const element = this.#stack.pop() ?? '';
    if (foreignContextElements.has(element) || htmlIntegrationElements.has(element))
      this.#foreign.pop();
    this.#reader.onclosetag(element);
  }

  #closeCurrentTag(): void {
    const name = this.#tagname;
    this.#endOpenTag();
    if (this.#stack[this.#stack.length - 1] === name) this.#popElement();
  }

  onattribname(start: number, end: number): void {
    this.#attribname = this.#attribs === UNREAD ? '' : this.#readAttributeName(start, end);
  }

  /** The attribute's name when it is one of those read (any case), else ''. */
  #readAttributeName(start: number, end: number): string {
    next: for (const name of this.#attributes) {
      if (end - start !== name.length) continue;
      // `| 0x20` lower-cases ASCII letters and maps nothing else onto one.
      for (let i = 0; i < name.length; i++)
        if ((this.#html.charCodeAt(start + i) | 0x20) !== name.charCodeAt(i)) continue next;
      return name;
    }
    return '';
  }

  onattribdata(start: number, end: number): void {
    if (this.#attribname !== '') this.#attribvalue += this.#html.slice(start, end);
  }

  onattribentity(codePoint: number): void {
    if (this.#attribname !== '') this.#attribvalue += String.fromCodePoint(codePoint);
  }

  onattribend(): void {
    const name = this.#attribname;
    if (name !== '' && this.#attribs && !Object.hasOwn(this.#attribs, name))
      this.#attribs[name] = this.#attribvalue;
    this.#attribvalue = '';
  }

  ontext(start: number, end: number): void {
    if (this.#reader.reading) this.#reader.ontext(this.#html.slice(start, end));
  }

  ontextentity(codePoint: number): void {
    if (this.#reader.reading) this.#reader.ontext(String.fromCodePoint(codePoint));
  }

  oncdata(start: number, end: number, offset: number): void {
    // In HTML a CDATA section is a comment, except in foreign content where it is text.
    if (this.isInForeignContext() && this.#reader.reading)
      this.#reader.ontext(this.#html.slice(start, end - offset));
  }

  oncomment(): void {}
  ondeclaration(): void {}
  onprocessinginstruction(): void {}

  onend(): void {
    for (let i = this.#stack.length - 1; i >= 0; i--) this.#reader.onclosetag(this.#stack[i] ?? '');
  }
}
