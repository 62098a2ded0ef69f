import type { z } from 'zod';
import type { errorDetailSchema } from './schemas/errors.schemas';

export type ErrorDetail = z.infer<typeof errorDetailSchema>;

// An error the caller caused (or may retry), carried to the single error middleware.
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: ErrorDetail[],
    // How many issues there were in all, when `details` lists only the first ones.
    readonly issueCount?: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

// Error answers stay small whatever the input: the first issues are listed, the rest only counted.
export const MAX_ERROR_DETAILS = 20;

// A request refused for several issues at once: the first names the field, `details` lists the first few.
export function invalidInput(issues: readonly ErrorDetail[], status = 400, code = 'INVALID_INPUT'): HttpError {
  const first = issues[0]!;
  return new HttpError(status, code, `${first.field}: ${first.message}`, first.field, issues.slice(0, MAX_ERROR_DETAILS), issues.length);
}

export const badRequest = (message: string, field?: string) => new HttpError(400, 'INVALID_INPUT', message, field);
export const unknownReference = (message: string, field: string) => new HttpError(400, 'UNKNOWN_REFERENCE', message, field);
export const notFound = (message: string, field?: string) => new HttpError(404, 'NOT_FOUND', message, field);
export const conflict = (code: string, message: string, field?: string) => new HttpError(409, code, message, field);
export const unprocessable = (code: string, message: string, field?: string, details?: ErrorDetail[]) => new HttpError(422, code, message, field, details);
