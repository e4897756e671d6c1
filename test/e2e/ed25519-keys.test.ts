import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '../../src/core/signing.js';
import { createApiClient, type ApiClient } from '../helpers/api-client.js';
import { verifyEd25519 } from '../helpers/ed25519.js';
import { startTestHookd, TEST_ADMIN_TOKEN, type TestHookd } from '../helpers/hookd.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

/**
 * Svix's ed25519 key format (hookd issue 8, kind 3): `whsk_` is the base64 of the 32-byte seed
 * followed by the 32-byte public key. hookd takes it (and its own older 32-byte seed form),
 * prints it from GET …/secret, and signs `v1a` that the matching `whpk_` verifies.
 */
const SVIX_KEY = 'whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==';
const SVIX_PUBLIC_KEY = 'whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=';
const SEED_ONLY = `whsk_${Buffer.from(SVIX_KEY.slice(5), 'base64').subarray(0, 32).toString('base64')}`;

describe("Svix's whsk_ key format, end to end", () => {
  let hookd: TestHookd;
  let receiver: Receiver;
  let api: ApiClient;
  const base = '/api/v1/app/keys';

  beforeAll(async () => {
    hookd = await startTestHookd();
    receiver = await startReceiver(() => 200);
    api = createApiClient(hookd.url, TEST_ADMIN_TOKEN);
    expect((await api.post('/api/v1/app', { body: { name: 'Keys', uid: 'keys' } })).status).toBe(201);
  });
  afterAll(async () => {
    await hookd?.stop();
    await receiver?.close();
  });

  /** Creates an endpoint with `secret`, sends one message, and returns what the receiver got. */
  async function deliveredWith(secret: string, uid: string) {
    const created = await api.post(`${base}/endpoint`, {
      body: { url: `${receiver.url}/${uid}`, uid, secret, channels: [uid] },
    });
    expect(created.status, created.text).toBe(201);
    const sent = await api.post(`${base}/msg`, { body: { eventType: 'a.b', channels: [uid], payload: { uid } } });
    expect(sent.status, sent.text).toBe(202);
    await receiver.waitFor((requests) => requests.some((r) => r.url === `/hook/${uid}`));
    return receiver.requests.find((r) => r.url === `/hook/${uid}`)!;
  }

  it.each([
    { form: "Svix's 64-byte seed + public key", secret: SVIX_KEY, uid: 'svix-form' },
    { form: "hookd's 32-byte seed", secret: SEED_ONLY, uid: 'seed-form' },
  ])("accepts $form, prints Svix's form, and signs v1a the whpk_ verifies", async ({ secret, uid }) => {
    const request = await deliveredWith(secret, uid);
    const header = String(request.headers['webhook-signature']);
    const id = String(request.headers['webhook-id']);
    const timestamp = Number(request.headers['webhook-timestamp']);
    expect(header).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
    expect(verifyEd25519(SVIX_PUBLIC_KEY, id, timestamp, request.body, header)).toBe(true);
    expect(verifyEd25519(generateSigningKeyPair().publicKey, id, timestamp, request.body, header)).toBe(false);
    expect((await api.get(`${base}/endpoint/${uid}/secret`)).body).toEqual({ key: SVIX_KEY });
  });

  it('rotates to a Svix key and prints it', async () => {
    const created = await api.post(`${base}/endpoint`, { body: { url: `${receiver.url}/rotated` } });
    expect(created.status).toBe(201);
    const rotated = await api.post(`${base}/endpoint/${created.body.id}/secret/rotate`, { body: { key: SVIX_KEY } });
    expect(rotated.status, rotated.text).toBe(204);
    expect((await api.get(`${base}/endpoint/${created.body.id}/secret`)).body).toEqual({ key: SVIX_KEY });
  });

  it("refuses a 64-byte key whose public half is not its seed's (422 naming the field)", async () => {
    const seed = Buffer.from(SVIX_KEY.slice(5), 'base64').subarray(0, 32);
    const otherPublic = Buffer.from(generateSigningKeyPair().publicKey.slice(5), 'base64');
    const mismatched = `whsk_${Buffer.concat([seed, otherPublic]).toString('base64')}`;
    const res = await api.post(`${base}/endpoint`, { body: { url: receiver.url, secret: mismatched } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('validation');
    expect(res.text).toContain('secret');
  });
});
