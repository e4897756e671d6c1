import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newId, toBase62 } from './ids.js';

describe('newId', () => {
  it('has the prefix and 27 base62 characters', () => {
    expect(newId('msg')).toMatch(/^msg_[0-9A-Za-z]{27}$/);
  });

  it('sorts in creation order, also within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => newId('x', 1_700_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(newId('x', 1_800_000_000_000) > ids[ids.length - 1]).toBe(true);
  });

  it('holds the milliseconds in its first 6 bytes and the sequence in the next 2', () => {
    const ms = 2_000_000_000_123;
    const first = newId('x', ms);
    const second = newId('x', ms);
    const bytesOf = (id: string) => {
      let n = 0n;
      for (const c of id.slice(2)) n = n * 62n + BigInt(ALPHABET.indexOf(c));
      return Buffer.from(n.toString(16).padStart(40, '0'), 'hex');
    };
    expect(bytesOf(first).readUIntBE(0, 6)).toBe(ms);
    expect(bytesOf(second).readUIntBE(0, 6)).toBe(ms);
    expect(bytesOf(second).readUInt16BE(6)).toBe(bytesOf(first).readUInt16BE(6) + 1);
  });
});

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('toBase62', () => {
  // The arithmetic it replaced, as the reference: the same number, written in base 62 with BigInt.
  const reference = (bytes: Buffer) => {
    let n = BigInt(`0x${bytes.toString('hex')}`);
    let out = '';
    while (n > 0n) {
      out = ALPHABET[Number(n % 62n)] + out;
      n /= 62n;
    }
    return out.padStart(27, '0');
  };

  it('writes the same 27 digits as BigInt arithmetic, from all-zero to all-one bits', () => {
    for (const edge of [Buffer.alloc(20), Buffer.alloc(20, 0xff), Buffer.from([...Buffer.alloc(19), 1])])
      expect(toBase62(edge)).toBe(reference(edge));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (bytes) => {
        const buffer = Buffer.from(bytes);
        expect(toBase62(buffer)).toBe(reference(buffer));
      }),
      { numRuns: 2000 },
    );
  });
});
