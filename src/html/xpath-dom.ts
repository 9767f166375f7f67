/**
 * A read-only W3C-DOM view over domhandler nodes, just wide enough for the `xpath` package to walk: node types,
 * names, values, parent/child/sibling links and attributes. Views are made on demand, one per node (WeakMap), so a
 * page that never runs an XPath query never builds one, and a page that does only builds views for the nodes the
 * query visits.
 */
import {
  type AnyNode,
  type Document,
  type Element,
  hasChildren,
  isCDATA,
  isComment,
  isDocument,
  isTag,
  isText,
} from 'domhandler';
import { localNameOf } from './xml-mode.js';

/** DOM node types, as the `xpath` package reads them. */
const ELEMENT_NODE = 1;
const ATTRIBUTE_NODE = 2;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const COMMENT_NODE = 8;
const DOCUMENT_NODE = 9;

/** The domhandler nodes XPath sees: doctype and processing instructions are left out, as lxml does. */
type VisibleNode = Document | Element | AnyNode;

function isVisible(node: AnyNode): boolean {
  return isTag(node) || isText(node) || isComment(node) || isCDATA(node);
}

const views = new WeakMap<AnyNode, NodeView>();

/**
 * The (cached) DOM view of a domhandler node. `xml` says the tree was parsed as XML: names then have a prefix, a
 * local name and a namespace (from the `xmlns` declarations in scope). A tree is one or the other, so the flag of
 * the first view made for a node holds for it; views made from a view inherit its flag.
 */
export function viewOf(node: VisibleNode, xml = false): NodeView {
  let view = views.get(node);
  if (view === undefined) {
    view = new NodeView(node, xml);
    views.set(node, view);
  }
  return view;
}

const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';

/**
 * The namespace URI bound to `prefix` ('' for the default namespace) where `element` is: its own and its ancestors'
 * `xmlns` / `xmlns:prefix` attributes, nearest first. `null` when unbound.
 */
export function declaredNamespace(element: AnyNode | null, prefix: string): string | null {
  if (prefix === 'xml') return XML_NAMESPACE;
  const attribute = prefix === '' ? 'xmlns' : `xmlns:${prefix}`;
  for (let node = element; node !== null; node = node.parent) {
    if (isTag(node) && Object.hasOwn(node.attribs, attribute)) {
      const uri = node.attribs[attribute] ?? '';
      return uri === '' ? null : uri; // xmlns="" undeclares the default namespace
    }
  }
  return null;
}

/** `xmlns` and `xmlns:x` are namespace declarations, not attributes, in the XPath data model (as in lxml). */
function isNamespaceDeclaration(name: string): boolean {
  return name === 'xmlns' || name.startsWith('xmlns:');
}

function prefixOf(name: string): string | null {
  const colon = name.indexOf(':');
  return colon === -1 ? null : name.slice(0, colon);
}

/** An attribute as a DOM `Attr`: XPath returns these for `@name` steps. */
export class AttributeView {
  readonly nodeType = ATTRIBUTE_NODE;
  readonly parentNode = null;
  readonly firstChild = null;
  readonly nextSibling = null;
  readonly previousSibling = null;
  readonly childNodes: readonly never[] = [];

  constructor(
    readonly ownerElement: NodeView,
    readonly name: string,
    readonly value: string,
    /** Position among the element's attributes. */
    readonly index: number,
  ) {}

  compareDocumentPosition(other: NodeView | AttributeView): number {
    return comparePositions(this, other);
  }

  get nodeName(): string {
    return this.name;
  }
  /** In XML, `href` for `xlink:href`; in HTML the whole name (HTML attributes have no prefixes). */
  get localName(): string {
    return this.ownerElement.xml ? localNameOf(this.name) : this.name;
  }
  get prefix(): string | null {
    return this.ownerElement.xml ? prefixOf(this.name) : null;
  }
  /** An unprefixed attribute is in no namespace, even under a default namespace (XML Namespaces §6.2). */
  get namespaceURI(): string | null {
    const prefix = this.prefix;
    return prefix === null ? null : declaredNamespace(this.ownerElement.node, prefix);
  }
  get nodeValue(): string {
    return this.value;
  }
  get ownerDocument(): NodeView | null {
    return this.ownerElement.ownerDocument;
  }
}

/** `NamedNodeMap` enough for XPath: indexable, `.length`, `.item(i)`. */
type AttributeList = AttributeView[] & { item(index: number): AttributeView | null };

/** One domhandler node seen as a DOM node. `node` is the domhandler node behind it. */
export class NodeView {
  #childNodes: NodeView[] | undefined;
  #attributes: AttributeList | undefined;
  #namespace: string | null | undefined;
  /** This node's position among its parent's visible children, worked out when the parent lists them. */
  indexInParent = -1;

  constructor(
    readonly node: VisibleNode,
    /** The tree was parsed as XML: prefixes and namespaces apply (see `viewOf`). */
    readonly xml = false,
  ) {}

  get nodeType(): number {
    const node = this.node;
    if (isTag(node)) return ELEMENT_NODE;
    if (isText(node)) return TEXT_NODE;
    if (isDocument(node)) return DOCUMENT_NODE;
    if (isCDATA(node)) return CDATA_SECTION_NODE;
    return COMMENT_NODE;
  }

  /** HTML: lower-case tag names, as lxml gives: `//h1` matches, `name()` is "h1". XML: the qualified name. */
  get nodeName(): string {
    const node = this.node;
    if (isTag(node)) return node.name;
    if (isText(node)) return '#text';
    if (isDocument(node)) return '#document';
    if (isCDATA(node)) return '#cdata-section';
    return '#comment';
  }

  get localName(): string | null {
    const node = this.node;
    if (!isTag(node)) return null;
    return this.xml ? localNameOf(node.name) : node.name;
  }

  /**
   * HTML elements are in no namespace for XPath, so unprefixed name tests match them. XML elements are in the
   * namespace their prefix (or the default `xmlns`) is bound to, worked out once per element.
   */
  get namespaceURI(): string | null {
    const node = this.node;
    if (!this.xml || !isTag(node)) return null;
    if (this.#namespace === undefined) {
      this.#namespace = declaredNamespace(node, prefixOf(node.name) ?? '');
    }
    return this.#namespace;
  }
  get prefix(): string | null {
    const node = this.node;
    return this.xml && isTag(node) ? prefixOf(node.name) : null;
  }

  get nodeValue(): string | null {
    const node = this.node;
    if (isText(node) || isComment(node)) return node.data;
    if (isCDATA(node)) {
      let text = '';
      for (const child of node.children) if (isText(child)) text += child.data;
      return text;
    }
    return null;
  }

  get parentNode(): NodeView | null {
    const parent = this.node.parent;
    return parent === null ? null : viewOf(parent, this.xml);
  }

  get ownerDocument(): NodeView | null {
    if (isDocument(this.node)) return null;
    let top: AnyNode = this.node;
    while (top.parent !== null) top = top.parent;
    return isDocument(top) ? viewOf(top, this.xml) : null;
  }

  get documentElement(): NodeView | null {
    return this.childNodes.find((child) => child.nodeType === ELEMENT_NODE) ?? null;
  }

  get childNodes(): NodeView[] {
    if (this.#childNodes === undefined) {
      const children: NodeView[] = [];
      // CDATA's inner text node is its value, not a child, as in the DOM.
      if (hasChildren(this.node) && !isCDATA(this.node)) {
        for (const child of this.node.children) {
          if (!isVisible(child)) continue;
          const view = viewOf(child, this.xml);
          view.indexInParent = children.length;
          children.push(view);
        }
      }
      this.#childNodes = children;
    }
    return this.#childNodes;
  }

  get firstChild(): NodeView | null {
    return this.childNodes[0] ?? null;
  }

  get lastChild(): NodeView | null {
    const children = this.childNodes;
    return children[children.length - 1] ?? null;
  }

  get nextSibling(): NodeView | null {
    return this.#sibling(1);
  }

  get previousSibling(): NodeView | null {
    return this.#sibling(-1);
  }

  get attributes(): AttributeList | null {
    const node = this.node;
    if (!isTag(node)) return null;
    if (this.#attributes === undefined) {
      let entries = Object.entries(node.attribs);
      if (this.xml) entries = entries.filter(([name]) => !isNamespaceDeclaration(name));
      const list = entries.map(
        ([name, value], index) => new AttributeView(this, name, value, index),
      ) as AttributeList;
      list.item = (index: number) => list[index] ?? null;
      this.#attributes = list;
    }
    return this.#attributes;
  }

  getAttribute(name: string): string | null {
    const node = this.node;
    return isTag(node) && Object.hasOwn(node.attribs, name) ? (node.attribs[name] ?? null) : null;
  }

  compareDocumentPosition(other: NodeView | AttributeView): number {
    return comparePositions(this, other);
  }

  #sibling(step: 1 | -1): NodeView | null {
    const parent = this.parentNode;
    if (parent === null) return null;
    const siblings = parent.childNodes; // sets indexInParent on first listing
    return siblings[this.indexInParent + step] ?? null;
  }
}

// compareDocumentPosition bits the `xpath` package reads to sort node-sets.
const PRECEDING = 0x02;
const FOLLOWING = 0x04;

/**
 * Document order for the `xpath` package's sort. Without this it falls back to scanning the parent's child list on
 * every comparison, which is quadratic on a list of thousands of siblings; here a comparison costs the depth.
 * A node's position is its path of child indexes from the root; an attribute sorts after its element and before
 * the element's children (index -1, then its attribute index), as XPath orders them.
 */
function comparePositions(a: NodeView | AttributeView, b: NodeView | AttributeView): number {
  if (a === b) return 0;
  const pathA = positionOf(a);
  const pathB = positionOf(b);
  const length = Math.min(pathA.length, pathB.length);
  for (let i = 0; i < length; i++) {
    const stepA = pathA[i] ?? 0;
    const stepB = pathB[i] ?? 0;
    if (stepA !== stepB) return stepB < stepA ? PRECEDING : FOLLOWING;
  }
  // One is an ancestor of the other: the ancestor comes first.
  return pathB.length < pathA.length ? PRECEDING : FOLLOWING;
}

function positionOf(view: NodeView | AttributeView): number[] {
  const path: number[] = [];
  let node: NodeView | null;
  if (view instanceof AttributeView) {
    path.push(view.index, -1);
    node = view.ownerElement;
  } else {
    node = view;
  }
  for (let parent = node.parentNode; parent !== null; node = parent, parent = node.parentNode) {
    if (node.indexInParent < 0) void parent.childNodes; // listing the children numbers them
    path.push(node.indexInParent);
  }
  return path.reverse();
}
