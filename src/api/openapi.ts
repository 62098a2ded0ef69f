import { z } from 'zod';
import { catalogDocumentSchema } from '../domain/catalog/catalogDocument';
import { provisionCustomerSchema, updateCustomerSchema } from '../domain/customers/customerInput';
import {
  applyCatalogResponseSchema,
  catalogViewSchema,
  customerSchema,
  errorResponseSchema,
  healthResponseSchema,
  provisionCustomerResponseSchema,
} from './schemas/responses';

type Operation = {
  method: 'get' | 'post' | 'put' | 'patch';
  path: string;
  summary: string;
  open?: boolean;
  pathParams?: string[];
  body?: z.ZodType;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
};

const errors = {
  400: { description: 'Invalid input; `error.field` names the offending field', schema: errorResponseSchema },
  401: { description: 'Missing or unknown API key', schema: errorResponseSchema },
};

// The routes, described from the same zod schemas that validate them.
const operations: Operation[] = [
  { method: 'get', path: '/health', summary: 'Liveness of Postgres and Temporal', open: true, responses: { 200: { description: 'Ready', schema: healthResponseSchema }, 503: { description: 'A dependency is down', schema: healthResponseSchema } } },
  { method: 'get', path: '/v1/catalog', summary: 'The live catalog of the key\'s environment', responses: { 200: { description: 'Catalog', schema: catalogViewSchema }, 401: errors[401] } },
  {
    method: 'put', path: '/v1/catalog', summary: 'Apply a catalog document (JSON, or YAML with Content-Type application/yaml); idempotent', body: catalogDocumentSchema,
    responses: { 200: { description: 'Applied; lists what changed', schema: applyCatalogResponseSchema }, ...errors, 422: { description: 'A change the stored catalog does not allow', schema: errorResponseSchema } },
  },
  {
    method: 'post', path: '/v1/customers', summary: 'provisionCustomer: create a customer, or return the existing one with this id', body: provisionCustomerSchema,
    responses: { 201: { description: 'Created', schema: provisionCustomerResponseSchema }, 200: { description: 'Already existed', schema: provisionCustomerResponseSchema }, ...errors, 409: { description: 'The id belonged to an archived customer', schema: errorResponseSchema }, 422: { description: 'The billing provider refused the billing info', schema: errorResponseSchema } },
  },
  { method: 'get', path: '/v1/customers/{customerId}', summary: 'getCustomer', pathParams: ['customerId'], responses: { 200: { description: 'The customer', schema: customerSchema }, ...errors, 404: { description: 'No such customer', schema: errorResponseSchema } } },
  {
    method: 'patch', path: '/v1/customers/{customerId}', summary: 'updateCustomer: partial update; billingInfo is sent whole to the billing provider and never stored', pathParams: ['customerId'], body: updateCustomerSchema,
    responses: { 200: { description: 'The updated customer', schema: customerSchema }, ...errors, 404: { description: 'No such customer', schema: errorResponseSchema }, 422: { description: 'The billing provider refused the billing info', schema: errorResponseSchema } },
  },
];

const idempotencyKeyParameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'A retry with the same key returns the first successful answer and changes nothing more',
  schema: { type: 'string', maxLength: 200 },
};

function requestContent(op: Operation) {
  const json = { schema: jsonSchema(op.body!, 'input') };
  // The catalog is usually kept as a YAML file; the same schema applies to the parsed document.
  return op.path === '/v1/catalog' ? { 'application/json': json, 'application/yaml': json } : { 'application/json': json };
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output') {
  return z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' });
}

export function buildOpenApiDocument(serverUrl?: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      ...(op.open ? { security: [] } : {}),
      parameters: [
        ...(op.pathParams ?? []).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        ...(op.body ? [idempotencyKeyParameter] : []),
      ],
      ...(op.body && { requestBody: { required: true, content: requestContent(op) } }),
      responses: Object.fromEntries(
        Object.entries(op.responses).map(([status, response]) => [
          status,
          { description: response.description, ...(response.schema && { content: { 'application/json': { schema: jsonSchema(response.schema, 'output') } } }) },
        ]),
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
