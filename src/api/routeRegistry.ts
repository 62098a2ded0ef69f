import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { RouteBodies } from './routeBodies';
import { parseInput } from './validate';

// `contentType`: a body that is not JSON (an event stream), described by its media type alone.
export type ResponseSpec = { description: string; schema?: z.ZodType; contentType?: string };
export type HeaderSpec = { name: string; description: string; schema: z.ZodType };

export type BodySpec = {
  schema: z.ZodType;
  // The media types the route reads: JSON (default), or JSON and YAML text.
  accepts?: keyof RouteBodies;
  // For a body the schema alone cannot read (YAML text): returns the parsed body or throws the 400; default: the schema.
  read?: (raw: unknown) => Promise<unknown>;
};

// One route, declared once: what Express mounts, how its input is validated, and what the OpenAPI document says.
export type Operation = {
  method: 'get' | 'post' | 'put' | 'patch';
  // Express syntax ("/v1/customers/:customerId"); each ":name" is a key of `params`.
  path: string;
  summary: string;
  // Answers without an API key.
  open?: boolean;
  params?: z.ZodObject;
  query?: z.ZodObject;
  // Request headers the route reads (validated by its handler).
  headers?: readonly HeaderSpec[];
  body?: BodySpec;
  // Runs a workflow: may answer 503 while it is still running or while Temporal is unreachable.
  workflow?: boolean;
  // The answers particular to this route; those every route of its kind gives are added by the document.
  responses: Record<number, ResponseSpec>;
};

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;
export type RouteInput<Op extends Operation> = {
  params: Parsed<Op['params']>;
  query: Parsed<Op['query']>;
  body: Op['body'] extends BodySpec ? z.output<Op['body']['schema']> : undefined;
};
// What the handler may send: a body of one of the documented response schemas.
type ResponseBody<Op extends Operation> = {
  [Status in keyof Op['responses']]: Op['responses'][Status] extends { schema: infer S } ? Parsed<S> : undefined;
}[keyof Op['responses']];
export type RouteHandler<Op extends Operation> = (input: RouteInput<Op>, res: Response<ResponseBody<Op>>, req: Request) => Promise<void>;

export type RouteRegistry = ReturnType<typeof createRouteRegistry>;

// Routes are added only through `route`, so every route Express serves is in `operations`, which the OpenAPI
// document is built from: a route cannot exist without its documentation, nor documentation without its route.
export function createRouteRegistry(bodies: RouteBodies) {
  const router = Router();
  const operations: Operation[] = [];

  function route<const Op extends Operation>(operation: Op, handler: RouteHandler<Op>): void {
    assertParamsMatchPath(operation);
    operations.push(operation);
    const { params, query, body } = operation;
    // Routes that take no body mount no parser, so their bodies are never read.
    const bodyMiddleware = body ? bodies[body.accepts ?? 'json'] : [];
    router[operation.method](operation.path, ...bodyMiddleware, async (req: Request, res: Response) => {
      // The path first, then the query, then the body: the first invalid one names the field.
      const input = {
        params: params && parseInput(params, req.params, 'path'),
        query: query && parseInput(query, req.query, 'query'),
        body: body && (body.read ? await body.read(req.body) : parseInput(body.schema, req.body)),
      };
      await handler(input as RouteInput<Op>, res, req);
    });
  }

  return { router, operations: operations as readonly Operation[], route };
}

export const pathParameterNames = (path: string) => [...path.matchAll(/:(\w+)/g)].map((match) => match[1]!);

function assertParamsMatchPath(operation: Operation) {
  const inPath = pathParameterNames(operation.path).sort().join(',');
  const declared = Object.keys(operation.params?.shape ?? {}).sort().join(',');
  if (inPath !== declared) throw new Error(`${operation.method} ${operation.path}: params schema declares [${declared}], the path has [${inPath}]`);
}
