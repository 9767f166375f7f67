/** The pieces every OpenAPI path of the server is made of: JSON bodies, error responses, schema references. */
export type Json = Record<string, unknown>;

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: Json, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});
export const error = (description: string) => json(ref('Error'), description);
export const errors = {
  '401': error('missing or wrong token'),
};
/** Changes need an operator token: a viewer token gets 403. */
export const writeErrors = {
  ...errors,
  '403': error('a viewer token: it may only read (AR_FORBIDDEN)'),
};
