/** Errors the API answers with: a status, a stable code and, for bad input, the offending field. */

export type ApiErrorCode =
  | 'AR_BAD_REQUEST'
  | 'AR_UNAUTHORIZED'
  | 'AR_FORBIDDEN'
  | 'AR_NOT_FOUND'
  | 'AR_CONFLICT'
  | 'AR_BODY_TOO_LARGE'
  | 'AR_BAD_ARCHIVE'
  | 'AR_INSTALL_FAILED'
  | 'AR_INTERNAL';

export type ApiStatus = 400 | 401 | 403 | 404 | 409 | 413 | 422 | 500;

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: ApiStatus,
    readonly code: ApiErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }

  toJSON(): { error: { code: ApiErrorCode; message: string; field?: string } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field !== undefined ? { field: this.field } : {}),
      },
    };
  }
}

export const badRequest = (message: string, field?: string) =>
  new ApiError(400, 'AR_BAD_REQUEST', message, field);
export const notFound = (message: string) => new ApiError(404, 'AR_NOT_FOUND', message);
export const conflict = (message: string) => new ApiError(409, 'AR_CONFLICT', message);
