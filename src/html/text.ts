/** Text content of a node, the way a reader sees it: whitespace collapsed, hidden content skipped, blocks separated. */
import { type AnyNode, type Element, hasChildren, isTag, isText } from 'domhandler';

/** Content that is not rendered as text: skipped below the node whose text is asked for. */
export const HIDDEN = new Set(['script', 'style', 'template', 'noscript']);

/** Raw-text elements whose content is data (JSON-LD, CSS): asked for directly, they give it back uncollapsed. */
export const RAW = new Set(['script', 'style']);

/**
 * Elements that start a new line when rendered: a space goes around them so `<p>a</p><p>b</p>` reads "a b", not
 * "ab", while inline runs like `<span>$</span><span>9</span>` stay "$9" as on screen.
 */
export const BLOCKS = new Set(
  (
    'address article aside blockquote body br button caption dd details dialog div dl dt fieldset figcaption figure ' +
    'footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html img input label li main nav ol option p pre section ' +
    'select summary table tbody td textarea tfoot th thead title tr ul'
  ).split(' '),
);

const WHITESPACE = /\s+/g;

/**
 * The text of `node`: all descendant text, with runs of whitespace (including non-breaking spaces) collapsed to one
 * space and the ends trimmed. Descendant `script`, `style`, `template` and `noscript` are skipped; a `script` or
 * `style` element asked for itself returns its raw content, trimmed only, so JSON-LD survives intact.
 */
export function textOf(node: AnyNode): string {
  if (isTag(node) && RAW.has(node.name)) return rawTextOf(node).trim();
  let out = '';
  // Iterative walk: deeply nested junk HTML must not overflow the call stack. `null` stands for "emit a space".
  const stack: Array<AnyNode | null> = [node];
  for (let current = stack.pop(); current !== undefined; current = stack.pop()) {
    if (current === null) {
      out += ' ';
    } else if (isText(current)) {
      out += current.data;
    } else if (hasChildren(current)) {
      if (isTag(current)) {
        if (current !== node && HIDDEN.has(current.name)) continue;
        if (BLOCKS.has(current.name)) {
          out += ' ';
          stack.push(null);
        }
      }
      const children = current.children;
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] ?? null);
    }
  }
  return collapseWhitespace(out);
}

/** The concatenated text children of `element`, untouched (textarea values, script bodies). */
export function rawTextOf(element: Element): string {
  let out = '';
  for (const child of element.children) if (isText(child)) out += child.data;
  return out;
}

/** Runs of whitespace to one space, ends trimmed. */
export function collapseWhitespace(text: string): string {
  return text.replace(WHITESPACE, ' ').trim();
}

/**
 * Every text node under `node`, in document order, as written (entities decoded), loose text between elements
 * included — BeautifulSoup's `.strings`. Content of descendant `script`, `style`, `template` and `noscript` is
 * skipped as in `textOf`; `trim` trims each string and drops the ones left empty (`.stripped_strings`).
 */
export function stringsOf(node: AnyNode, trim: boolean): string[] {
  const strings: string[] = [];
  const stack: AnyNode[] = [node];
  for (let current = stack.pop(); current !== undefined; current = stack.pop()) {
    if (isText(current)) {
      const text = trim ? current.data.trim() : current.data;
      if (!trim || text !== '') strings.push(text);
    } else if (hasChildren(current)) {
      if (isTag(current) && current !== node && HIDDEN.has(current.name)) continue;
      const children = current.children;
      for (let i = children.length - 1; i >= 0; i--) {
        const child = children[i];
        if (child !== undefined) stack.push(child);
      }
    }
  }
  return strings;
}

/**
 * The text between `node` and its nearest sibling element in one direction: the loose text right after (or before)
 * it, like `<b>Author:</b> Jane Doe<br>`. Comments in between are skipped; trimmed; `undefined` when empty.
 */
export function siblingTextOf(node: AnyNode, direction: 'next' | 'previous'): string | undefined {
  let text = '';
  for (
    let sibling = direction === 'next' ? node.next : node.prev;
    sibling !== null && !isTag(sibling);
    sibling = direction === 'next' ? sibling.next : sibling.prev
  ) {
    if (isText(sibling)) text = direction === 'next' ? text + sibling.data : sibling.data + text;
  }
  const trimmed = text.trim();
  return trimmed === '' ? undefined : trimmed;
}
