// An error the caller caused (or may retry), carried to the single error middleware.
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, field?: string, details?: unknown) => new HttpError(400, 'INVALID_INPUT', message, field, details);
export const unknownReference = (message: string, field: string) => new HttpError(400, 'UNKNOWN_REFERENCE', message, field);
export const notFound = (message: string, field?: string) => new HttpError(404, 'NOT_FOUND', message, field);
export const conflict = (code: string, message: string, field?: string) => new HttpError(409, code, message, field);
export const unprocessable = (code: string, message: string, field?: string, details?: unknown) => new HttpError(422, code, message, field, details);
