/**
 * The Standard Schema v1 interface (https://standardschema.dev), copied rather than imported: any validator that
 * implements it (zod 4, valibot, arktype…) declares an item type, and arachne depends on none of them.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

export declare namespace StandardSchemaV1 {
  interface Props<Input = unknown, Output = Input> {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    readonly types?: Types<Input, Output> | undefined;
  }
  type Result<Output> = SuccessResult<Output> | FailureResult;
  interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }
  interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }
  interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  interface PathSegment {
    readonly key: PropertyKey;
  }
  interface Types<Input = unknown, Output = Input> {
    readonly input: Input;
    readonly output: Output;
  }
  type InferInput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['input'];
  type InferOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output'];
}

/** True when `value` carries a Standard Schema v1 `~standard.validate`. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as { '~standard'?: { validate?: unknown } })['~standard'];
  return typeof props === 'object' && props !== null && typeof props.validate === 'function';
}

/**
 * The top-level property names of an object schema, when the validator also implements Standard JSON Schema
 * (`~standard.jsonSchema`, zod 4 does): they are the fields written as null when an item lacks them. Empty when the
 * validator offers no JSON Schema or cannot express this one.
 */
export function schemaFieldNames(schema: StandardSchemaV1): string[] {
  const converter = (schema['~standard'] as { jsonSchema?: { input?: unknown } }).jsonSchema;
  if (typeof converter?.input !== 'function') return [];
  try {
    const json = (converter.input as (options: { target: string }) => unknown)({
      target: 'draft-2020-12',
    });
    const properties = (json as { properties?: unknown } | undefined)?.properties;
    return typeof properties === 'object' && properties !== null ? Object.keys(properties) : [];
  } catch {
    return [];
  }
}
