import { describe, expect, it } from 'vitest';
import { asymmetricProviders } from './asymmetric/index.js';
import { providers } from './providers.js';
import { type ProviderRow, providerRows } from './test-signers.js';
import type { VerifiableRequest } from './types.js';
import { parseVerification, verify } from './verification.js';

/**
 * Every verification type, one row each (test-signers.ts): signed by the provider's own package
 * or from its doc, then verified here: valid, rotated secrets, wrong secret, one body byte
 * changed, signature missing, stale and future timestamps, garbage headers.
 */

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

function tamper(request: VerifiableRequest): VerifiableRequest {
  const body = Buffer.from(request.body);
  const at = body.indexOf('hello');
  if (at < 0) throw new Error('the row body has no "hello" to change');
  body[at] = 'j'.charCodeAt(0);
  return { ...request, body };
}

function withoutHeader(request: VerifiableRequest, name: string): VerifiableRequest {
  return { ...request, headers: request.headers.filter(([key]) => key.toLowerCase() !== name.toLowerCase()) };
}

function withHeader(request: VerifiableRequest, name: string, value: string): VerifiableRequest {
  return { ...withoutHeader(request, name), headers: [...withoutHeader(request, name).headers, [name, value]] };
}

const GARBAGE = [
  '',
  ' ',
  '=',
  ',,,',
  'v1=',
  't=,v1=',
  'sha256=zz',
  'ts=abc;h1=',
  '\u0000\u00ff',
  'é'.repeat(50),
  'A'.repeat(20_000),
];

const covered = new Set(providerRows.map((row) => row.setting(['a', 'b']).type));

describe('the table', () => {
  it('has a row for every type but none and the asymmetric ones (tested in asymmetric/, one file each)', () => {
    const asymmetric = Object.keys(asymmetricProviders);
    expect([...covered, 'none', ...asymmetric].sort()).toEqual(Object.keys(providers).sort());
  });

  it('none accepts any request, signed or not', async () => {
    const setting = parseVerification({ type: 'none' });
    const request = { method: 'POST', url: 'https://a.example/', headers: [], body: Buffer.from('x') };
    expect(await verify(setting, request, { now: NOW })).toEqual({ ok: true });
  });
});

describe.each(providerRows)('$name', (row: ProviderRow) => {
  const [secret, other] = row.makeSecrets();
  const setting = parseVerification(row.setting([secret]));
  const context = { now: NOW };
  const sign = (input: { secret?: string; timestampMs?: number } = {}) =>
    row.sign({ secret: input.secret ?? secret, timestampMs: input.timestampMs ?? NOW - 2_000 });

  it('accepts a request signed with the secret, giving the delivery id', async () => {
    const result = await verify(setting, await sign(), context);
    expect(result).toEqual(row.deliveryId ? { ok: true, deliveryId: row.deliveryId } : { ok: true });
  });

  it('refuses a request signed with another secret', async () => {
    const result = await verify(setting, await sign({ secret: other }), context);
    expect(result).toMatchObject({ ok: false, cause: 'signature_invalid' });
    if (!result.ok) {
      expect(result.detail).not.toContain(secret);
      expect(result.detail).not.toContain(other);
    }
  });

  it.runIf(row.rotates)('accepts either of two secrets during a rotation', async () => {
    const rotating = parseVerification(row.setting([other, secret]));
    expect((await verify(rotating, await sign({ secret }), context)).ok).toBe(true);
    expect((await verify(rotating, await sign({ secret: other }), context)).ok).toBe(true);
    expect((await verify(rotating, await sign({ secret: row.makeSecrets()[0] }), context)).ok).toBe(false);
  });

  it.runIf(row.coversBody)('refuses the request with one body byte changed', async () => {
    const result = await verify(setting, tamper(await sign()), context);
    expect(result).toMatchObject({ ok: false, cause: 'signature_invalid' });
  });

  it.runIf(row.signatureHeader !== undefined)('says signature_missing without its header', async () => {
    const result = await verify(setting, withoutHeader(await sign(), row.signatureHeader!), context);
    expect(result).toMatchObject({ ok: false, cause: 'signature_missing' });
    if (!result.ok) expect(result.detail.toLowerCase()).toContain(row.signatureHeader!.toLowerCase());
  });

  it.runIf(row.toleranceSeconds !== undefined)('refuses stale and future timestamps, both ways', async () => {
    const tolerance = row.toleranceSeconds!;
    const stale = await verify(setting, await sign({ timestampMs: NOW - (tolerance + 30) * 1000 }), context);
    expect(stale).toMatchObject({ ok: false, cause: 'timestamp_out_of_window' });
    if (!stale.ok) expect(stale.detail).toMatch(/old/);
    const future = await verify(setting, await sign({ timestampMs: NOW + (tolerance + 30) * 1000 }), context);
    expect(future).toMatchObject({ ok: false, cause: 'timestamp_out_of_window' });
    if (!future.ok) expect(future.detail).toMatch(/future/);
    const edge = await verify(setting, await sign({ timestampMs: NOW - (tolerance - 2) * 1000 }), context);
    expect(edge.ok).toBe(true);
  });

  it.runIf(row.signatureHeader !== undefined)('returns a result, never throws, for garbage header values', async () => {
    const signed = await sign();
    for (const value of GARBAGE) {
      const result = await verify(setting, withHeader(signed, row.signatureHeader!, value), context);
      expect(result.ok, JSON.stringify(value.slice(0, 20))).toBe(false);
    }
  });

  it('returns a result, never throws, for a body that is not JSON or form', async () => {
    const signed = await sign();
    const garbage = { ...signed, body: Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22]) };
    const result = await verify(setting, garbage, context);
    if (row.coversBody) expect(result.ok).toBe(false);
    else expect(result.ok).toBe(true);
  });
});
