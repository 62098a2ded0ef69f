import type { Express } from 'express';
import request from 'supertest';
import { expect } from 'vitest';
import { z } from 'zod';

type Answer = { method: string; url: string; status: number; body: unknown };
type OpenApiOperation = { responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
type OpenApiDocument = { paths: Record<string, Record<string, OpenApiOperation>> };

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

// A supertest client that records every answer, so a test file can check them all against the served document.
export function recordAnswers(app: () => Express) {
  const answers: Answer[] = [];
  const api = () => {
    const client = request(app());
    for (const method of METHODS) {
      const send = client[method].bind(client);
      client[method] = ((url: string) =>
        send(url).on('response', (response: { status: number; body: unknown }) => answers.push({ method, url, status: response.status, body: structuredClone(response.body) }))) as never;
    }
    return client;
  };
  return { api, takeAnswers: () => answers.splice(0) };
}

function findOperation(document: OpenApiDocument, method: string, url: string): OpenApiOperation | undefined {
  const path = new URL(url, 'http://localhost').pathname;
  for (const [template, operations] of Object.entries(document.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`);
    if (pattern.test(path)) return operations[method];
  }
  return undefined;
}

// Each answer of a documented route: its status is listed, and its body is valid against the document's own schema.
export async function expectAnswersDocumented(app: Express, answers: readonly Answer[]) {
  const document = (await request(app).get('/openapi.json').expect(200)).body as OpenApiDocument;
  for (const answer of answers) {
    // Routes the document leaves out on purpose (/openapi.json, /docs, /codec/*) and unknown ones are not its business.
    const operation = findOperation(document, answer.method, answer.url);
    if (!operation) continue;
    const name = `${answer.method.toUpperCase()} ${answer.url} → ${answer.status}`;
    const documented = operation.responses[String(answer.status)];
    expect(documented, `${name} is not in the document`).toBeDefined();
    const schema = documented!.content?.['application/json']?.schema;
    if (!schema) continue;
    const result = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(answer.body);
    expect(result.error?.issues ?? [], `${name}: the body does not match the documented schema`).toEqual([]);
  }
}
