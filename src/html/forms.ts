/** Forms as data: action, method and the values a browser would submit, like mechanize or Scrapy's FormRequest. */
import { type ChildNode, type Element, isTag, type ParentNode } from 'domhandler';
import type { HtmlElement, HtmlNode } from './element.js';
import { rawTextOf } from './text.js';

/** A submit button: pass its name/value along with `fields` to "click" it. */
export interface FormButton {
  name: string;
  value: string;
}

/** One `<form>` of a page. */
export interface Form {
  /** The `<form>` element itself. */
  element: HtmlElement;
  /**
   * Absolute submission URL without fragment: `action` resolved against the base URL, or the page URL when `action`
   * is missing or empty (HTML spec). The raw attribute when it cannot be resolved (no page URL known).
   */
  action: string;
  /** `GET` or `POST` (`dialog` and invalid values read as `GET`). */
  method: string;
  /** @default 'application/x-www-form-urlencoded' */
  enctype: string;
  name: string | undefined;
  id: string | undefined;
  /** Name → value of every control that would be submitted; for repeated names, the first value. */
  fields: Record<string, string>;
  /** Every submitted name/value pair in document order, repeated names included (checkbox groups, multi-selects). */
  entries: Array<[name: string, value: string]>;
  /** Named submit buttons (`input[type=submit|image]`, `button`), which are only submitted when clicked. */
  buttons: FormButton[];
}

const CONTROLS = 'input, select, textarea, button';
const NOT_SUBMITTED = new Set(['reset', 'button', 'file']);

/** The forms under `root`, with their controls: descendants plus any control elsewhere naming it in `form="id"`. */
export function readForms(
  root: HtmlNode,
  url: string | undefined,
  baseUrl: string | undefined,
): Form[] {
  const forms = root.select('form');
  if (forms.length === 0) return [];
  const formsById = new Map<string, HtmlElement>();
  for (const form of forms) {
    const id = form.attr('id');
    if (id !== undefined && !formsById.has(id)) formsById.set(id, form);
  }
  const controlsByForm = new Map<unknown, HtmlElement[]>();
  for (const control of root.select(CONTROLS)) {
    const formId = control.attr('form');
    const owner = formId === undefined ? control.closest('form') : formsById.get(formId);
    if (owner === undefined) continue;
    const list = controlsByForm.get(owner.node);
    if (list === undefined) controlsByForm.set(owner.node, [control]);
    else list.push(control);
  }
  return forms.map((form) => readForm(form, controlsByForm.get(form.node) ?? [], url, baseUrl));
}

function readForm(
  form: HtmlElement,
  controls: HtmlElement[],
  url: string | undefined,
  baseUrl: string | undefined,
): Form {
  const entries: Array<[string, string]> = [];
  const buttons: FormButton[] = [];
  for (const control of controls) {
    const name = control.attr('name');
    if (name === undefined || name === '' || isDisabled(control)) continue;
    collectControl(control, name, entries, buttons);
  }
  const firstValues = new Map<string, string>();
  for (const [name, value] of entries) if (!firstValues.has(name)) firstValues.set(name, value);
  const method = (form.attr('method') ?? '').trim().toLowerCase();
  return {
    element: form,
    action: resolveAction(form.attr('action'), url, baseUrl),
    method: method === 'post' ? 'POST' : 'GET',
    enctype: form.attr('enctype')?.trim().toLowerCase() || 'application/x-www-form-urlencoded',
    name: form.attr('name'),
    id: form.attr('id'),
    // fromEntries defines own properties: a control named "__proto__" stays a field.
    fields: Object.fromEntries(firstValues),
    entries,
    buttons,
  };
}

function collectControl(
  control: HtmlElement,
  name: string,
  entries: Array<[string, string]>,
  buttons: FormButton[],
): void {
  const tag = control.tag;
  const type = (control.attr('type') ?? '').trim().toLowerCase();
  if (tag === 'textarea') {
    // The HTML parser drops one newline right after <textarea>; htmlparser2 keeps it.
    entries.push([name, rawTextOf(control.node).replace(/^\r?\n/, '')]);
  } else if (tag === 'select') {
    for (const value of selectedValues(control)) entries.push([name, value]);
  } else if (tag === 'button') {
    if (type === '' || type === 'submit')
      buttons.push({ name, value: control.attr('value') ?? '' });
  } else if (type === 'submit' || type === 'image') {
    buttons.push({ name, value: control.attr('value') ?? '' });
  } else if (type === 'checkbox' || type === 'radio') {
    if (control.attr('checked') !== undefined) entries.push([name, control.attr('value') ?? 'on']);
  } else if (!NOT_SUBMITTED.has(type)) {
    entries.push([name, control.attr('value') ?? '']);
  }
}

/** Browser rules: selected options; a single select with none selected submits its first enabled option. */
function selectedValues(select: HtmlElement): string[] {
  const options = select.select('option');
  const multiple = select.attr('multiple') !== undefined;
  const selected = options.filter(
    (option) => option.attr('selected') !== undefined && option.attr('disabled') === undefined,
  );
  if (multiple) return selected.map(optionValue);
  const chosen = selected.at(-1) ?? options.find((option) => option.attr('disabled') === undefined);
  return chosen === undefined ? [] : [optionValue(chosen)];
}

function optionValue(option: HtmlElement): string {
  return option.attr('value') ?? option.text();
}

function isDisabled(control: HtmlElement): boolean {
  if (control.attr('disabled') !== undefined) return true;
  // Inside a disabled fieldset, except within its first <legend>.
  for (let node = control.node.parent; node !== null && isTag(node); node = node.parent) {
    if (node.name !== 'fieldset' || node.attribs.disabled === undefined) continue;
    const legend = node.children.find((child) => isTag(child) && child.name === 'legend');
    if (legend === undefined || !contains(legend, control.node)) return true;
  }
  return false;
}

function contains(ancestor: ChildNode, node: Element): boolean {
  for (let current: ParentNode | null = node.parent; current !== null; current = current.parent) {
    if (current === ancestor) return true;
  }
  return false;
}

function resolveAction(
  action: string | undefined,
  url: string | undefined,
  baseUrl: string | undefined,
): string {
  const raw = action?.trim() ?? '';
  try {
    const resolved = raw === '' ? new URL(url ?? '') : new URL(raw, baseUrl);
    const href = resolved.href;
    const hash = href.indexOf('#');
    return hash === -1 ? href : href.slice(0, hash);
  } catch {
    return raw;
  }
}
