/** The HTML `<meta>` charset prescan (WHATWG "prescan a byte stream"), simplified to the cases real pages use. */

/** How far into the body the prescan looks, as the HTML standard says. */
export const PRESCAN_BYTES = 1024;

// Comments are matched so that a commented-out <meta> is skipped, as the standard's prescan does.
const META_OR_COMMENT = /<!--[\s\S]*?-->|<meta(?=[\s/])([^>]*)>/gi;
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;
const CHARSET_IN_CONTENT = /charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s;"']+))/i;

/**
 * The charset labels declared by `<meta charset>` and `<meta http-equiv="Content-Type" content="…charset=…">`
 * in the first 1024 bytes, in document order. The caller takes the first label that is a valid encoding.
 */
export function metaCharsetLabels(body: Buffer): string[] {
  const head = body.toString('latin1', 0, Math.min(body.length, PRESCAN_BYTES));
  if (!/<meta/i.test(head)) return [];
  const labels: string[] = [];
  for (const match of head.matchAll(META_OR_COMMENT)) {
    const attributes = match[1];
    if (attributes === undefined) continue;
    const label = labelFromMetaAttributes(attributes);
    if (label !== undefined) labels.push(label);
  }
  return labels;
}

function labelFromMetaAttributes(source: string): string | undefined {
  const attributes = new Map<string, string>();
  for (const match of source.matchAll(ATTRIBUTE)) {
    const name = (match[1] as string).toLowerCase();
    // The standard keeps the first occurrence of a repeated attribute.
    if (!attributes.has(name)) attributes.set(name, match[2] ?? match[3] ?? match[4] ?? '');
  }
  const charset = attributes.get('charset');
  if (charset !== undefined) return charset;
  if (attributes.get('http-equiv')?.trim().toLowerCase() !== 'content-type') return undefined;
  const content = attributes.get('content');
  if (content === undefined) return undefined;
  const found = CHARSET_IN_CONTENT.exec(content);
  return found ? (found[1] ?? found[2] ?? found[3]) : undefined;
}
