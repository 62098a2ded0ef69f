import { z } from 'zod';
import { pathParameterNames, type Operation, type ResponseSpec } from './routeRegistry';
import { errorAnswer as error } from './schemas/errors.schemas';

// A body sent signed (a webhook) is its own proof of uniqueness: no Idempotency-Key, no JSON media type check.
const takesIdempotentBody = (op: Operation) => op.body !== undefined && op.body.accepts !== 'signedRaw';

// Answers every operation of a kind can give, added to each so the document lists every status a route can answer.
function commonResponses(op: Operation): Record<number, ResponseSpec> {
  const responses: Record<number, ResponseSpec> = { 431: error('The request headers are too large') };
  if (!op.open) responses[401] = error('Missing, unknown or revoked API key (`X-API-KEY` header)');
  if (op.body || op.params || op.query) responses[400] = error('Invalid input; `error.field` names the offending field, `error.details` lists the first issues');
  if (takesIdempotentBody(op)) {
    responses[409] = error('`REQUEST_IN_PROGRESS`: a request with this Idempotency-Key is still running; retry it');
    responses[413] = error('The body is larger than 2 MB');
    responses[415] = error('The body is not sent as JSON (`Content-Type: application/json`)');
    responses[422] = error('`IDEMPOTENCY_KEY_REUSED`: the Idempotency-Key was used for a different request');
  }
  if (!op.open) {
    responses[503] = error(
      op.workflow
        ? 'Postgres or Temporal is unavailable, or the change is still running (`STILL_PROCESSING`): retry the same request'
        : 'Postgres is unavailable: retry shortly',
    );
  }
  return responses;
}

const mediaTypes = { json: ['application/json'], jsonOrYaml: ['application/json', 'application/yaml'], signedRaw: ['application/json'] };

const idempotencyKeyParameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'A retry with the same key returns the first successful answer and changes nothing more, even after a crash',
  schema: { type: 'string', maxLength: 200, pattern: '^[\\x21-\\x7e]+$' },
};

const stripeSignatureParameter = {
  name: 'Stripe-Signature',
  in: 'header',
  required: true,
  description: "Stripe's signature of the exact body with the endpoint's signing secret (`t=<unix seconds>,v1=<hex HMAC-SHA256>`)",
  schema: { type: 'string' },
};

const replayedHeader = {
  'Idempotent-Replayed': { description: '`true` when this answer is the stored answer of an earlier request with the same Idempotency-Key', schema: { type: 'string', enum: ['true'] } },
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output') {
  return z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' });
}

// "/v1/customers/:customerId" → "/v1/customers/{customerId}"
export const openApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');

function describeResponse(op: Operation, status: number, response: ResponseSpec) {
  return {
    description: response.description,
    ...(takesIdempotentBody(op) && status < 300 && { headers: replayedHeader }),
    ...(response.schema && { content: { 'application/json': { schema: jsonSchema(response.schema, 'output') } } }),
    ...(response.contentType && { content: { [response.contentType]: { schema: { type: 'string' } } } }),
  };
}

function describeOperation(op: Operation) {
  const responses = { ...commonResponses(op), ...op.responses };
  const params = op.params?.shape ?? {};
  return {
    summary: op.summary,
    ...(op.open ? { security: [] } : {}),
    parameters: [
      ...pathParameterNames(op.path).map((name) => ({ name, in: 'path', required: true, schema: jsonSchema(params[name] as z.ZodType, 'input') })),
      ...Object.entries(op.query?.shape ?? {}).map(([name, schema]) => ({ name, in: 'query', required: false, schema: jsonSchema(schema as z.ZodType, 'input') })),
      ...(op.headers ?? []).map(({ name, description, schema }) => ({ name, in: 'header', required: false, description, schema: jsonSchema(schema, 'input') })),
      ...(takesIdempotentBody(op) ? [idempotencyKeyParameter] : []),
      ...(op.body?.accepts === 'signedRaw' ? [stripeSignatureParameter] : []),
    ],
    ...(op.body && {
      requestBody: {
        required: true,
        content: Object.fromEntries(mediaTypes[op.body.accepts ?? 'json'].map((type) => [type, { schema: jsonSchema(op.body!.schema, 'input') }])),
      },
    }),
    responses: Object.fromEntries(
      Object.entries(responses)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([status, response]) => [status, describeResponse(op, Number(status), response)]),
    ),
  };
}

// The document of the routes as registered: built from the same declarations that mount and validate them.
export function buildOpenApiDocument(operations: readonly Operation[], serverUrl?: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) (paths[openApiPath(op.path)] ??= {})[op.method] = describeOperation(op);
  return {
    openapi: '3.1.0',
    info: { title: 'Tollgate API', version: '1', description: 'Pricing, packaging, entitlements and billing integration. Authenticate with the X-API-KEY header.' },
    ...(serverUrl && { servers: [{ url: serverUrl }] }),
    components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-KEY' } } },
    security: [{ apiKey: [] }],
    paths,
  };
}
