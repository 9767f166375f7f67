/** Loads a typed item: its fields' processors, then its schema; the schema's output is what gets written. */
import type { Item } from '../storage/sink.js';
import { itemTypeOf, type NormalisedItemType } from './item-types.js';
import type { FieldProcessor } from './processors.js';
import { type StandardSchemaV1, schemaFieldNames } from './standard-schema.js';

/** One reason an item is invalid: `field` is `type.path` (`product.price`), or the type alone for the whole item. */
export interface ItemIssue {
  field: string;
  /** The same for every item that fails the same way: what the log shows once. */
  message: string;
  /** A short rendering of the offending value, for the log's example. */
  value: string;
}

export type LoadResult =
  | { valid: true; item: Item }
  /** `item`: the processed value, as far as the processors got (what `invalidItems: 'keep'` writes). */
  | { valid: false; type: string; item: Item; issues: ItemIssue[] };

export class ItemLoader {
  readonly #types: Readonly<Record<string, NormalisedItemType>>;
  /** Per type, the fields written as null when missing; worked out on first use (a JSON Schema conversion). */
  readonly #declared = new Map<string, readonly string[]>();

  constructor(types: Readonly<Record<string, NormalisedItemType>>) {
    this.#types = types;
  }

  /** True when `name` is a declared item type. */
  has(name: string): boolean {
    return Object.hasOwn(this.#types, name);
  }

  /**
   * An untyped item (a plain object yielded without page.item) is returned as it is, but for its undefined fields,
   * which become null (as every item's do).
   */
  async load(item: Item): Promise<LoadResult> {
    const type = itemTypeOf(item);
    if (type === undefined) return { valid: true, item: undefinedAsNull(item) };
    const declaration = this.#types[type];
    if (!declaration) {
      return {
        valid: false,
        type,
        item: { ...item },
        issues: [
          {
            field: type,
            message: `no item type "${type}" is declared in the spider's items`,
            value: preview(item),
          },
        ],
      };
    }
    const processed: Item = { ...item };
    const issues: ItemIssue[] = [];
    for (const [field, processors] of Object.entries(declaration.fields)) {
      let value: unknown = processed[field];
      let step: FieldProcessor | undefined;
      try {
        for (const processor of processors) {
          step = processor;
          value = await processor(value);
        }
        if (value === undefined) delete processed[field];
        else processed[field] = value;
      } catch (error) {
        issues.push({
          field: `${type}.${field}`,
          message: `${step?.name || 'a processor'} failed: ${messageOf(error)}`,
          value: preview(value),
        });
      }
    }
    const failedFields = new Set(issues.map((issue) => issue.field));
    const result = await declaration.schema['~standard'].validate(processed);
    if (result.issues) {
      for (const issue of result.issues) {
        const field = fieldOf(type, issue);
        // A field whose processor threw is reported once, for the processor: the schema's complaint follows from it.
        if (!failedFields.has(field)) {
          issues.push({ field, message: issue.message, value: preview(valueAt(processed, issue)) });
        }
      }
    } else if (!isPlainObject(result.value)) {
      issues.push({
        field: type,
        message: "the schema's output is not a plain object",
        value: preview(result.value),
      });
    }
    const declared = this.#declaredFields(type, declaration);
    if (issues.length > 0 || result.issues) {
      return { valid: false, type, item: undefinedAsNull(withNulls(processed, declared)), issues };
    }
    return { valid: true, item: undefinedAsNull(withNulls(result.value as Item, declared)) };
  }

  #declaredFields(type: string, declaration: NormalisedItemType): readonly string[] {
    let fields = this.#declared.get(type);
    if (!fields) {
      fields = [
        ...new Set([...schemaFieldNames(declaration.schema), ...Object.keys(declaration.fields)]),
      ];
      this.#declared.set(type, fields);
    }
    return fields;
  }
}

/** Declared fields the item lacks are written as null, so every record has every column (CSV headers). */
function withNulls(item: Item, declared: readonly string[]): Item {
  let filled: Item | undefined;
  for (const field of declared) {
    if (item[field] === undefined) {
      filled ??= { ...item };
      filled[field] = null;
    }
  }
  return filled ?? item;
}

/**
 * An extraction that found nothing (`page.attr(...)`, `selectOne(...)?.text()`) is undefined, which JSON, JSON Lines
 * and XML would leave out: written as null instead, every record keeps the key. Top-level fields only; the item is
 * copied only when it has such a field, so the common case allocates nothing.
 */
export function undefinedAsNull(item: Item): Item {
  let filled: Item | undefined;
  for (const key in item) {
    if (item[key] === undefined) {
      filled ??= { ...item };
      filled[key] = null;
    }
  }
  return filled ?? item;
}

function fieldOf(type: string, issue: StandardSchemaV1.Issue): string {
  const path = pathOf(issue);
  return path.length === 0 ? type : `${type}.${path.join('.')}`;
}

function pathOf(issue: StandardSchemaV1.Issue): string[] {
  return (issue.path ?? []).map((segment) =>
    String(typeof segment === 'object' && segment !== null ? segment.key : segment),
  );
}

function valueAt(item: Item, issue: StandardSchemaV1.Issue): unknown {
  let value: unknown = item;
  for (const key of pathOf(issue)) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** At most 60 characters of JSON, for a log line. */
function preview(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isPlainObject(value: unknown): value is Item {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
