// Every failure the SDK reports: the service's error answer ({ error: { code, message, field?, details? } }), or
// a network problem (`unreachable`: no answer, a timeout, or a 5xx after the retries).
export class TollgateError extends Error {
  readonly code: string;
  readonly status?: number;
  readonly field?: string;
  readonly details?: { field: string; message: string }[];
  readonly unreachable: boolean;

  constructor(message: string, options: { code: string; status?: number; field?: string; details?: { field: string; message: string }[]; unreachable?: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'TollgateError';
    this.code = options.code;
    this.status = options.status;
    this.field = options.field;
    this.details = options.details;
    this.unreachable = options.unreachable ?? false;
  }
}

export const isUnreachable = (error: unknown): boolean => error instanceof TollgateError && error.unreachable;
