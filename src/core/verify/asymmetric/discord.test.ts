import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { verifyKey } from 'discord-interactions';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors.js';
import type { VerifiableRequest } from '../types.js';
import { discordProvider } from './discord.js';

const NOW = 1_750_000_000_000;
const BODY = '{"id":"1234567890","type":2,"application_id":"42","data":{"name":"ping"}}';

/** The raw 32-byte public key as hex, as the Developer Portal shows it. */
function keyPair(): { privateKey: KeyObject; publicHex: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey, publicHex: der.subarray(der.length - 32).toString('hex') };
}

function signedRequest(privateKey: KeyObject, timestamp: string, body = BODY): VerifiableRequest {
  const signature = sign(null, Buffer.from(timestamp + body), privateKey).toString('hex');
  return {
    method: 'POST',
    url: 'https://hookd.test/in/src_1',
    headers: [
      ['X-Signature-Ed25519', signature],
      ['X-Signature-Timestamp', timestamp],
    ],
    body: Buffer.from(body),
  };
}

const current = keyPair();
const previous = keyPair();
const setting = discordProvider.parse({ type: 'discord', secrets: [current.publicHex] });
const nowSeconds = String(NOW / 1000);

describe('discord', () => {
  it("accepts a fixture that discord-interactions' verifyKey accepts, with the interaction id", async () => {
    const request = signedRequest(current.privateKey, nowSeconds);
    expect(await verifyKey(request.body, request.headers[0][1], nowSeconds, current.publicHex)).toBe(true);
    expect(await discordProvider.verify(request, setting, { now: NOW })).toEqual({
      ok: true,
      deliveryId: '1234567890',
    });
  });

  it('rejects one byte changed, as verifyKey does', async () => {
    const request = signedRequest(current.privateKey, nowSeconds);
    const altered = { ...request, body: Buffer.from(BODY.replace('ping', 'pinG')) };
    expect(await verifyKey(altered.body, request.headers[0][1], nowSeconds, current.publicHex)).toBe(false);
    expect(await discordProvider.verify(altered, setting, { now: NOW })).toMatchObject({ cause: 'signature_invalid' });
  });

  it('rejects a signature that is not 64 bytes of hex', async () => {
    const request = signedRequest(current.privateKey, nowSeconds);
    const short = { ...request, headers: [['X-Signature-Ed25519', 'abcd'], request.headers[1]] as const };
    expect(await discordProvider.verify(short, setting, { now: NOW })).toEqual({
      ok: false,
      cause: 'signature_invalid',
      detail: 'X-Signature-Ed25519 is not 64 bytes of hex',
    });
  });

  it('accepts either key during a rotation', async () => {
    const both = { type: 'discord', secrets: [current.publicHex, previous.publicHex] };
    for (const key of [current, previous]) {
      expect(await discordProvider.verify(signedRequest(key.privateKey, nowSeconds), both, { now: NOW })).toMatchObject(
        { ok: true },
      );
    }
    expect(
      await discordProvider.verify(signedRequest(previous.privateKey, nowSeconds), setting, { now: NOW }),
    ).toMatchObject({
      cause: 'signature_invalid',
    });
  });

  it('reports missing headers', async () => {
    const request = signedRequest(current.privateKey, nowSeconds);
    expect(await discordProvider.verify({ ...request, headers: [] }, setting, { now: NOW })).toEqual({
      ok: false,
      cause: 'signature_missing',
      detail: 'no X-Signature-Ed25519 or X-Signature-Timestamp header',
    });
  });

  it('rejects stale, future and non-numeric timestamps', async () => {
    for (const timestamp of [String(NOW / 1000 - 301), String(NOW / 1000 + 301), 'yesterday']) {
      expect(
        await discordProvider.verify(signedRequest(current.privateKey, timestamp), setting, { now: NOW }),
      ).toMatchObject({
        cause: 'timestamp_out_of_window',
      });
    }
  });

  it('parse refuses a key that is not 32 bytes of hex, naming the field', () => {
    for (const bad of ['abc', `${current.publicHex}00`, 'zz'.repeat(32)]) {
      expect(() => discordProvider.parse({ type: 'discord', secrets: [current.publicHex, bad] })).toThrow(
        expect.objectContaining({ field: 'secrets[1]' }),
      );
    }
    expect(() => discordProvider.parse({ type: 'discord', secrets: [] })).toThrow(ValidationError);
  });
});
