/** Checks both database sinks make against a table: the upsert key is a column, and dropped keys are reported once. */
import { StorageError } from '../errors.js';
import type { TableLayout } from './table-schema.js';

/** Fails when the upsert key is not a column: ON CONFLICT needs a column to put the unique index on. */
export function requireColumn(layout: TableLayout, key: string): void {
  if (layout.columns.some((column) => column.name === key)) return;
  const columns = layout.columns.map((column) => column.name).join(', ');
  throw new StorageError(
    `the upsert key "${key}" is not a column of table "${layout.table}" (its columns: ${columns || 'none'}; ` +
      'a new table takes its columns from the first item, so that item must have the key)',
  );
}

/** Creating the upsert key's unique index fails when rows written without an upsert key repeat a value. */
export function uniqueIndexFailure(key: string, error: unknown): Error {
  const cause = error instanceof Error ? error.message : String(error);
  return new Error(
    `cannot make "${key}" unique for the upsert key; does the table already hold duplicates? (${cause})`,
    { cause: error },
  );
}

/** State of the one warning a sink gives when its table has no `_extra` column. */
export interface DroppedKeysWarning {
  readonly target: string;
  readonly onWarning: ((message: string) => void) | undefined;
  warned: boolean;
}

/** A table made without `_extra` cannot hold keys that are not columns: say so once, as the CSV sink does. */
export function warnOnceAboutDroppedKeys(
  warning: DroppedKeysWarning,
  extra: Record<string, unknown>,
): void {
  if (warning.warned) return;
  warning.warned = true;
  const message =
    `${warning.target}: dropping item keys that are not columns (${Object.keys(extra).join(', ')}); ` +
    `the table has no _extra column to keep them. This warning is shown once.`;
  (warning.onWarning ?? ((text: string) => process.emitWarning(text)))(message);
}
