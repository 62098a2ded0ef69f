import pino from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp } from '../../src/api/createApp';
import { createRouteRegistry } from '../../src/api/routeRegistry';

// Building the app calls nothing: no database or Temporal is needed to read which routes it serves.
const app = createApp({
  db: {} as never,
  workflows: { startWindowMs: 15_000 } as never,
  billingProvider: 'none',
  logger: pino({ level: 'silent' }),
  temporalHealthy: async () => true,
  codecEndpoint: { codec: { encode: async (payloads) => payloads, decode: async (payloads) => payloads }, uiOrigins: [], loopbackOnly: true },
});

type Layer = { route?: { path: string | string[]; methods: Record<string, boolean> }; handle: { stack?: Layer[] } };

// Every method and path Express answers, read from the app's router stack (routers nested at any depth).
function servedRoutes(stack: readonly Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.handle.stack) return servedRoutes(layer.handle.stack);
    if (!layer.route) return [];
    const paths = [layer.route.path].flat();
    return Object.keys(layer.route.methods).flatMap((method) => paths.map((path) => `${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`));
  });
}

// Left out of the document on purpose: the document itself, its page, and the Temporal UI's codec endpoint.
const UNDOCUMENTED = /^\w+ (\/openapi\.json|\/docs|\/codec\/.*)$/;

describe('the OpenAPI document', () => {
  it('lists every route Express serves, and only those', async () => {
    const document = (await request(app).get('/openapi.json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    const served = servedRoutes((app as unknown as { router: { stack: Layer[] } }).router.stack);

    // The walk does reach nested routers: the codec endpoint's routes are found, then set aside.
    expect(served).toEqual(expect.arrayContaining(['POST /codec/decode', 'GET /openapi.json']));
    expect(served.filter((route) => !UNDOCUMENTED.test(route)).sort()).toEqual(documented.sort());
    expect(documented).toEqual(expect.arrayContaining(['GET /v1/catalog', 'PUT /v1/catalog', 'POST /v1/customers', 'PATCH /v1/customers/{customerId}']));
  });

  it('refuses a route whose path parameters and params schema differ', () => {
    const { route } = createRouteRegistry({ json: [], jsonOrYaml: [], signedRaw: [] });
    const declare = (params?: z.ZodObject) => () =>
      route({ method: 'get', path: '/v1/things/:thingId', summary: 'a thing', params, responses: {} }, async () => {});
    expect(declare()).toThrow('the path has [thingId]');
    expect(declare(z.object({ id: z.string() }))).toThrow('declares [id]');
    expect(declare(z.object({ thingId: z.string() }))).not.toThrow();
  });
});
