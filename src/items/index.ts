/** Typed items: item types declared with Standard Schema validators, field processors, the loader. */
export {
  defineItem,
  type FieldProcessors,
  type ItemDeclaration,
  type ItemDeclarations,
  type ItemInput,
  type ItemNames,
  type ItemType,
  itemTypeKey,
  itemTypeOf,
  type NormalisedItemType,
  normaliseItemTypes,
  type TypedItem,
  tagItem,
} from './item-types.js';
export { type ItemIssue, ItemLoader, type LoadResult, undefinedAsNull } from './load.js';
export {
  collapseWhitespace,
  compose,
  defaultTo,
  type FieldProcessor,
  first,
  join,
  toDate,
  toNumber,
  toPrice,
  trim,
} from './processors.js';
export { isStandardSchema, type StandardSchemaV1 } from './standard-schema.js';
