/**
 * XML mode: which trees were parsed as XML (so CSS, XPath and links read them by XML rules), and which responses
 * are XML by their Content-Type.
 */
import type { AnyNode, Document } from 'domhandler';

/** Roots of the trees `parseXml` built. A WeakSet: a document dropped by its page is not held here. */
const xmlRoots = new WeakSet<AnyNode>();

/** Marks `root` as the root of an XML tree. */
export function markXmlTree(root: Document): void {
  xmlRoots.add(root);
}

/**
 * Whether `node` belongs to a tree parsed as XML. Walks up to the root: one step for a document, the element's depth
 * otherwise, paid once per query rather than per node visited.
 */
export function isXmlTree(node: AnyNode): boolean {
  let top = node;
  while (top.parent !== null) top = top.parent;
  return xmlRoots.has(top);
}

/**
 * Whether a Content-Type names XML: `application/xml`, `text/xml` and the `+xml` types (`application/rss+xml`,
 * `application/atom+xml`, `image/svg+xml`…). `application/xhtml+xml` is left to the HTML parser: XHTML pages are
 * written to be read as HTML too, and the HTML parser forgives the errors real pages have.
 */
export function isXmlContentType(contentType: string): boolean {
  const semicolon = contentType.indexOf(';');
  const essence = (semicolon === -1 ? contentType : contentType.slice(0, semicolon))
    .trim()
    .toLowerCase();
  if (essence === 'application/xml' || essence === 'text/xml') return true;
  return essence.endsWith('+xml') && essence !== 'application/xhtml+xml';
}

/** The part of a qualified name after its prefix: `link` for `atom:link`. */
export function localNameOf(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}
