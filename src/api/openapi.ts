import { z } from 'zod';
import { catalogDocumentSchema } from '../domain/catalog/catalogDocument';
import { provisionCustomerSchema, updateCustomerSchema } from '../domain/customers/customerInput';
import { catalogQuerySchema } from './routes/catalog.routes';
import {
  applyCatalogResponseSchema,
  catalogViewSchema,
  customerSchema,
  errorResponseSchema,
  healthResponseSchema,
  provisionCustomerResponseSchema,
} from './schemas/responses';

type Response = { description: string; schema?: z.ZodType };
type Operation = {
  method: 'get' | 'post' | 'put' | 'patch';
  path: string;
  summary: string;
  open?: boolean;
  pathParams?: string[];
  query?: z.ZodObject;
  body?: z.ZodType;
  // Media types the body may be sent as (JSON unless said otherwise).
  bodyTypes?: string[];
  // Runs a workflow: may answer 503 while it is still running or while Temporal is unreachable.
  workflow?: boolean;
  responses: Record<number, Response>;
};

const error = (description: string): Response => ({ description, schema: errorResponseSchema });

// Answers every operation of a kind can give, added to each so the document lists every status a route can answer.
function commonResponses(op: Operation): Record<number, Response> {
  const responses: Record<number, Response> = { 431: error('The request headers are too large') };
  if (!op.open) responses[401] = error('Missing, unknown or revoked API key (`X-API-KEY` header)');
  if (op.body || op.pathParams || op.query) responses[400] = error('Invalid input; `error.field` names the offending field, `error.details` lists the first issues');
  if (op.body) {
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

// The routes, described from the same zod schemas that validate them.
const operations: Operation[] = [
  { method: 'get', path: '/health', summary: 'Liveness of Postgres and Temporal', open: true, responses: { 200: { description: 'Ready', schema: healthResponseSchema }, 503: { description: 'A dependency is down', schema: healthResponseSchema } } },
  {
    method: 'get', path: '/v1/catalog', summary: 'The live catalog of the key\'s environment; `format=document`: the appliable document (drafts included), which PUT takes back unchanged',
    query: catalogQuerySchema, responses: { 200: { description: 'Catalog', schema: catalogViewSchema } },
  },
  {
    method: 'put', path: '/v1/catalog', summary: 'Apply a catalog document (JSON, or YAML with Content-Type application/yaml); idempotent', body: catalogDocumentSchema,
    bodyTypes: ['application/json', 'application/yaml'],
    responses: { 200: { description: 'Applied; lists what changed', schema: applyCatalogResponseSchema }, 422: error('A change the stored catalog does not allow (`CATALOG_CHANGE_REFUSED`), or a reused Idempotency-Key') },
  },
  {
    method: 'post', path: '/v1/customers', summary: 'provisionCustomer: create a customer, or return the existing one with this id', body: provisionCustomerSchema, workflow: true,
    responses: {
      201: { description: 'Created', schema: provisionCustomerResponseSchema },
      200: { description: 'Already existed', schema: provisionCustomerResponseSchema },
      409: error('The id belonged to an archived customer (`CUSTOMER_ID_ARCHIVED`), or a request with this Idempotency-Key is still running'),
      422: error('The billing provider refused the billing info (`BILLING_PROVIDER_REJECTED`), or a reused Idempotency-Key'),
    },
  },
  { method: 'get', path: '/v1/customers/{customerId}', summary: 'getCustomer', pathParams: ['customerId'], responses: { 200: { description: 'The customer', schema: customerSchema }, 404: error('No such customer') } },
  {
    method: 'patch', path: '/v1/customers/{customerId}', summary: 'updateCustomer: partial update; billingInfo is sent whole to the billing provider and never stored', pathParams: ['customerId'], body: updateCustomerSchema, workflow: true,
    responses: { 200: { description: 'The updated customer', schema: customerSchema }, 404: error('No such customer'), 422: error('The billing provider refused the billing info (`BILLING_PROVIDER_REJECTED`), or a reused Idempotency-Key') },
  },
];

const idempotencyKeyParameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'A retry with the same key returns the first successful answer and changes nothing more, even after a crash',
  schema: { type: 'string', maxLength: 200, pattern: '^[\\x21-\\x7e]+$' },
};

const replayedHeader = {
  'Idempotent-Replayed': { description: '`true` when this answer is the stored answer of an earlier request with the same Idempotency-Key', schema: { type: 'string', enum: ['true'] } },
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output') {
  return z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' });
}

function describeResponse(op: Operation, status: number, response: Response) {
  return {
    description: response.description,
    ...(op.body && status < 300 && { headers: replayedHeader }),
    ...(response.schema && { content: { 'application/json': { schema: jsonSchema(response.schema, 'output') } } }),
  };
}

export function buildOpenApiDocument(serverUrl?: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const responses = { ...commonResponses(op), ...op.responses };
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      ...(op.open ? { security: [] } : {}),
      parameters: [
        ...(op.pathParams ?? []).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        ...Object.entries(op.query?.shape ?? {}).map(([name, schema]) => ({ name, in: 'query', required: false, schema: jsonSchema(schema as z.ZodType, 'input') })),
        ...(op.body ? [idempotencyKeyParameter] : []),
      ],
      ...(op.body && {
        requestBody: { required: true, content: Object.fromEntries((op.bodyTypes ?? ['application/json']).map((type) => [type, { schema: jsonSchema(op.body!, 'input') }])) },
      }),
      responses: Object.fromEntries(
        Object.entries(responses)
          .sort(([a], [b]) => Number(a) - Number(b))
          .map(([status, response]) => [status, describeResponse(op, Number(status), response)]),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Tollgate API', version: '1', description: 'Pricing, packaging, entitlements and billing integration. Authenticate with the X-API-KEY header.' },
    ...(serverUrl && { servers: [{ url: serverUrl }] }),
    components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-KEY' } } },
    security: [{ apiKey: [] }],
    paths,
  };
}
