/**
 * Item types: a spider's `items: { product: schema | defineItem(schema, fields) }`. A handler tags an item with its
 * type through `page.item('product', {...})`; the loader (load.ts) runs the fields' processors, validates with the
 * schema and writes the schema's output.
 */
import { ConfigError } from '../errors.js';
import type { Item } from '../storage/sink.js';
import type { FieldProcessor } from './processors.js';
import { isStandardSchema, type StandardSchemaV1 } from './standard-schema.js';

/** Per field, the processors run in order before validation: `{ price: [trim, toPrice] }`. */
export type FieldProcessors = Readonly<Record<string, FieldProcessor | readonly FieldProcessor[]>>;

/** A schema with field processors; `defineItem(schema, fields)` makes one with its field names checked. */
export interface ItemType<S extends StandardSchemaV1 = StandardSchemaV1, F = FieldProcessors> {
  readonly schema: S;
  readonly fields?: F;
}

/** What `items` maps each item-type name to: a bare schema, or a schema with field processors. */
export type ItemDeclaration = StandardSchemaV1 | ItemType;
export type ItemDeclarations = Readonly<Record<string, ItemDeclaration>>;

type InputOf<D> =
  D extends ItemType<infer S, unknown>
    ? StandardSchemaV1.InferInput<S>
    : D extends StandardSchemaV1
      ? StandardSchemaV1.InferInput<D>
      : Record<string, unknown>;
type ProcessedOf<D> = D extends ItemType<StandardSchemaV1, infer F> ? keyof F : never;

/**
 * What `page.item(name, value)` accepts for a declaration: the schema's input, except that a field with processors
 * takes anything (the processors make it the schema's input) and may be missing.
 */
export type ItemInput<D> =
  InputOf<D> extends infer T
    ? T extends object
      ? Omit<T, ProcessedOf<D> & keyof T> & { [P in ProcessedOf<D> & keyof T]?: unknown }
      : T
    : never;

/** The item-type names of declarations, for `page.item`'s first argument. */
export type ItemNames<I> = keyof I & string;

/** Declares an item type with per-field processors; the field names are checked against the schema's input. */
export function defineItem<
  S extends StandardSchemaV1,
  const F extends {
    readonly [P in keyof StandardSchemaV1.InferInput<S>]?:
      | FieldProcessor
      | readonly FieldProcessor[];
  },
>(schema: S, fields?: F): ItemType<S, F> {
  return fields === undefined ? { schema } : { schema, fields };
}

/** Where an item's type travels from `page.item` to the loader: a symbol key, never written. */
export const itemTypeKey: unique symbol = Symbol('arachne.itemType');

/** An item tagged by `page.item`; the tag is non-enumerable, so spreads, JSON and sinks never see it. */
export type TypedItem<N extends string = string> = Item & { readonly [itemTypeKey]: N };

/** Tags a shallow copy of `value` with its item type (the handler's object is left as it was). */
export function tagItem<N extends string>(name: N, value: object): TypedItem<N> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`page.item("${name}", …) takes a plain object`);
  }
  const copy: Item = { ...(value as Item) };
  Object.defineProperty(copy, itemTypeKey, { value: name, enumerable: false });
  return copy as TypedItem<N>;
}

/** The item type `page.item` gave an item, if any. */
export function itemTypeOf(item: Item): string | undefined {
  const name = (item as Partial<TypedItem>)[itemTypeKey];
  return typeof name === 'string' ? name : undefined;
}

/** A declaration checked and normalised: processors as arrays. */
export interface NormalisedItemType {
  readonly schema: StandardSchemaV1;
  readonly fields: Readonly<Record<string, readonly FieldProcessor[]>>;
}

/** Checks a spider's `items` at defineSpider time, so a typo fails before any request is made. */
export function normaliseItemTypes(
  items: unknown,
  where: string,
): Record<string, NormalisedItemType> {
  if (typeof items !== 'object' || items === null || Array.isArray(items)) {
    throw new ConfigError(`${where}: items must map item-type names to schemas`);
  }
  const normalised: Record<string, NormalisedItemType> = {};
  for (const [name, declaration] of Object.entries(items)) {
    const at = `${where}: items.${name}`;
    if (isStandardSchema(declaration)) {
      normalised[name] = { schema: declaration, fields: {} };
      continue;
    }
    const {
      schema,
      fields = {},
      ...rest
    } = (declaration ?? {}) as Partial<ItemType> & Record<string, unknown>;
    if (!isStandardSchema(schema)) {
      throw new ConfigError(
        `${at} must be a Standard Schema validator (zod, valibot…) or { schema, fields } (defineItem)`,
      );
    }
    const extra = Object.keys(rest);
    if (extra.length > 0)
      throw new ConfigError(`${at}: unknown key "${extra[0]}" (schema, fields)`);
    const checked: Record<string, readonly FieldProcessor[]> = {};
    for (const [field, processors] of Object.entries(fields)) {
      const list = Array.isArray(processors) ? processors : [processors];
      if (!list.every((processor) => typeof processor === 'function')) {
        throw new ConfigError(`${at}.fields.${field}: processors must be functions`);
      }
      checked[field] = list as FieldProcessor[];
    }
    normalised[name] = { schema, fields: checked };
  }
  return normalised;
}
