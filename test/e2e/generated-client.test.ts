import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/hookd-build.js';
import { startTestHookd, TEST_ADMIN_TOKEN, type TestHookd } from '../helpers/hookd.js';
import { type Receiver, startReceiver } from '../helpers/receiver.js';

/**
 * A client generated at test time from hookd's `/api/v1/openapi.json` (openapi-typescript types,
 * openapi-fetch calls) must type-check in strict mode, with only what each call needs (no
 * defaulted query parameter, no optional body), and work against a running hookd.
 */
const CLIENT = `
import createClient from 'openapi-fetch';
import type { paths } from './hookd-api.js';

const client = createClient<paths>({
  baseUrl: process.env.HOOKD_URL,
  headers: { authorization: \`Bearer \${process.env.HOOKD_TOKEN}\` },
});
const must = <T>(result: { data?: T; error?: unknown; response: Response }, what: string): T => {
  if (result.data === undefined) throw new Error(\`\${what}: \${result.response.status} \${JSON.stringify(result.error)}\`);
  return result.data;
};

const app = must(await client.POST('/api/v1/app', { body: { name: 'Generated', uid: 'generated' } }), 'app');
const app_id: string = app.id;
const endpoint = must(
  await client.POST('/api/v1/app/{app_id}/endpoint', {
    params: { path: { app_id } },
    body: { url: process.env.RECEIVER_URL!, eventTypes: null },
  }),
  'endpoint',
);
// Optional bodies: a rotation and a portal token without one.
const rotated = await client.POST('/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate', {
  params: { path: { app_id, endpoint_id: endpoint.id } },
});
const portal = must(await client.POST('/api/v1/auth/app-portal-access/{app_id}', { params: { path: { app_id } } }), 'portal');
const message = must(
  await client.POST('/api/v1/app/{app_id}/msg', {
    params: { path: { app_id } },
    body: { eventType: 'generated.client', payload: { n: 1 } },
  }),
  'message',
);
const duplicate = await client.POST('/api/v1/app/{app_id}/msg', {
  params: { path: { app_id } },
  body: { eventType: 'generated.client', payload: { n: 2 }, eventId: 'gen-1' },
});
const again = await client.POST('/api/v1/app/{app_id}/msg', {
  params: { path: { app_id } },
  body: { eventType: 'generated.client', payload: { n: 3 }, eventId: 'gen-1' },
});
let attempts: { status: number; msgId: string }[] = [];
for (let i = 0; i < 300 && attempts.length === 0; i++) {
  const page = must(
    await client.GET('/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}', {
      params: { path: { app_id, endpoint_id: endpoint.id }, query: { status: 0 } },
    }),
    'attempts',
  );
  attempts = page.data.filter((a) => a.msgId === message.id);
  if (attempts.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
}
const byMsg = must(
  await client.GET('/api/v1/app/{app_id}/attempt/msg/{msg_id}', { params: { path: { app_id, msg_id: message.id } } }),
  'attempts by message',
);
const health = await client.GET('/api/v1/health/ping');
console.log(
  JSON.stringify({
    app: app.id,
    endpoint: endpoint.id,
    message: message.id,
    rotated: rotated.response.status,
    portal: portal.token.startsWith('appsk_'),
    duplicate: [duplicate.response.status, again.response.status, again.error],
    attempts,
    byMsg: byMsg.data.map((a) => a.msgId),
    health: health.response.status,
  }),
);
`;

describe('a client generated from /api/v1/openapi.json (openapi-typescript + openapi-fetch)', () => {
  let hookd: TestHookd;
  let receiver: Receiver;
  let dir: string;

  beforeAll(async () => {
    hookd = await startTestHookd();
    receiver = await startReceiver();
    dir = mkdtempSync(join(tmpdir(), 'hookd-generated-client-'));
    // The generated client resolves openapi-fetch and tsx from the project's modules.
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  });
  afterAll(async () => {
    await hookd?.stop();
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('type-checks strictly and creates an app, an endpoint and a message, then lists attempts', async () => {
    const doc = await (await fetch(`${hookd.url}/api/v1/openapi.json`)).json();
    writeFileSync(join(dir, 'hookd-api.ts'), astToString(await openapiTS(doc)));
    writeFileSync(join(dir, 'client.ts'), CLIENT);

    const program = ts.createProgram([join(dir, 'client.ts')], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
      types: ['node'],
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);

    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'client.ts'], {
      cwd: dir,
      env: { ...process.env, HOOKD_URL: hookd.url, HOOKD_TOKEN: TEST_ADMIN_TOKEN, RECEIVER_URL: receiver.url },
      timeout: 240_000,
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(result).toMatchObject({
      app: expect.stringMatching(/^app_/),
      endpoint: expect.stringMatching(/^ep_/),
      message: expect.stringMatching(/^msg_/),
      rotated: 204,
      portal: true,
      duplicate: [202, 409, { code: 'conflict' }],
      health: 204,
    });
    expect(result.attempts).toEqual([expect.objectContaining({ status: 0, msgId: result.message })]);
    expect(result.byMsg).toEqual([result.message]);
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toContain(result.message);
    // A limit against a hang: type-checking and a child process take minutes on a loaded machine.
  }, 300_000);
});
