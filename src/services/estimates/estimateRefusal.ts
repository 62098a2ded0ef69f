// Why an estimate cannot be given, told the way the API answers it (the route turns it into the HTTP error).
export class EstimateRefusal extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 422 | 503,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: ({ field: string; message: string } & Record<string, unknown>)[],
  ) {
    super(message);
    this.name = 'EstimateRefusal';
  }
}

export const invalidEstimate = (field: string, message: string) => new EstimateRefusal(400, 'INVALID_INPUT', `${field}: ${message}`, field);
