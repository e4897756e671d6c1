import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../helpers/api-client.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

// biome-ignore lint/suspicious/noExplicitAny: the document is plain JSON
type Json = any;
interface Operation {
  method: string;
  path: string;
  op: Json;
}

/**
 * Walks the whole OpenAPI document (every path, every operation: a route added later is checked
 * too) for what a generated client needs. Checks that depend on behaviour ask the server.
 */
describe("hookd's OpenAPI document, every operation", () => {
  let server: TestServer;
  let api: ApiClient;
  let doc: Json;
  let operations: Operation[];

  beforeAll(async () => {
    server = await startTestServer();
    api = createApiClient(server.url, server.token);
    doc = (await api.get('/api/v1/openapi.json', { token: null })).body;
    operations = Object.entries<Json>(doc.paths).flatMap(([path, item]) =>
      Object.entries<Json>(item).map(([method, op]) => ({ method, path, op })),
    );
  });
  afterAll(() => server?.close());

  const label = ({ method, path }: Operation) => `${method.toUpperCase()} ${path}`;

  it('lists only OpenAPI methods, and covers the API', () => {
    const methods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
    expect(operations.filter((o) => !methods.has(o.method)).map(label)).toEqual([]);
    expect(operations.length).toBeGreaterThan(80);
    expect(doc.openapi).toBe('3.0.3');
  });

  it("gives every operation a unique operationId (Svix's on the Svix routes)", () => {
    const ids = operations.map((o) => o.op.operationId);
    expect(operations.filter((o) => typeof o.op.operationId !== 'string').map(label)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/api/v1/app/{app_id}/msg'].post.operationId).toBe('v1.message.create');
    expect(doc.paths['/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}'].get.operationId).toBe(
      'v1.message-attempt.list-by-endpoint',
    );
  });

  it('never requires a parameter that has a default', () => {
    const wrong = operations.flatMap((o) =>
      (o.op.parameters ?? [])
        .filter((p: Json) => p.in !== 'path' && p.required && p.schema?.default !== undefined)
        .map((p: Json) => `${label(o)} ${p.name}`),
    );
    expect(wrong).toEqual([]);
    const limit = doc.paths['/api/v1/app'].get.parameters.find((p: Json) => p.name === 'limit');
    expect(limit).toMatchObject({ required: false, schema: { minimum: 0, default: 50 } });
  });

  it('documents the idempotency-key header on every POST that takes a token', () => {
    const missing = operations.filter(
      (o) =>
        o.method === 'post' &&
        (o.op.security ?? doc.security).length > 0 &&
        !(o.op.parameters ?? []).some((p: Json) => p.in === 'header' && p.name === 'idempotency-key'),
    );
    expect(missing.map(label)).toEqual([]);
    expect(operations.filter((o) => o.method === 'post' && o.path.startsWith('/api/v1/')).length).toBeGreaterThan(15);
  });

  it('documents a HEAD operation, with no response body, for every GET', () => {
    const gets = operations.filter((o) => o.method === 'get');
    expect(gets.filter((o) => doc.paths[o.path].head === undefined).map(label)).toEqual([]);
    const heads = operations.filter((o) => o.method === 'head');
    expect(heads.filter((o) => Object.values<Json>(o.op.responses).some((r) => r.content)).map(label)).toEqual([]);
  });

  it('shares every titled schema through components/schemas, and every $ref resolves', () => {
    const inline: string[] = [];
    const refs: string[] = [];
    const walk = (node: Json, where: string) => {
      if (typeof node !== 'object' || node === null) return;
      if (typeof node.title === 'string' && typeof node.type === 'string') inline.push(`${where} (${node.title})`);
      if (typeof node.$ref === 'string') refs.push(node.$ref);
      for (const [key, value] of Object.entries(node)) walk(value, `${where}/${key}`);
    };
    walk(doc.paths, '#/paths');
    expect(inline).toEqual([]);
    for (const schema of Object.values(doc.components.schemas)) walk(schema, '#/components');
    const names = Object.keys(doc.components.schemas);
    expect(names).toEqual(expect.arrayContaining(['ApplicationOut', 'MessageOut', 'ListResponse_MessageAttemptOut_']));
    expect(refs.filter((ref) => !names.includes(ref.replace('#/components/schemas/', '')))).toEqual([]);
  });

  it('marks a request body required exactly where the route refuses a missing one', async () => {
    const withBody = operations.filter((o) => o.op.requestBody && o.path.startsWith('/api/v1/'));
    expect(withBody.length).toBeGreaterThan(20);
    expect(withBody.filter((o) => !o.op.requestBody.required).length).toBeGreaterThanOrEqual(2);
    const wrong: string[] = [];
    for (const o of withBody) {
      // Unknown ids: a request that passes validation then meets a 404 (or lists nothing).
      const path = o.path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'app_id' ? 'app_unknown' : 'x_unknown'));
      const res = await api.call(o.method.toUpperCase(), path);
      const refused = res.status === 422 && JSON.stringify(res.body).includes('body');
      if (refused !== o.op.requestBody.required) wrong.push(`${label(o)} → ${res.status} ${res.text.slice(0, 80)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('serves every GET without its defaulted query parameters', async () => {
    const failures: string[] = [];
    for (const o of operations.filter(
      (x) => x.method === 'get' && !x.path.includes('{') && x.path.startsWith('/api/'),
    )) {
      const res = await api.get(o.path);
      if (res.status !== 200 && res.status !== 204) failures.push(`${label(o)} → ${res.status}`);
    }
    expect(failures).toEqual([]);
  });
});
