import { describe, expect, it } from 'vitest';
import { createKeyring, generateMasterKey, MasterKeyError, masterKeyId, parseMasterKey } from './secret-box.js';

const keyA = parseMasterKey(generateMasterKey());
const keyB = parseMasterKey(generateMasterKey());

describe('secret box', () => {
  it('seals with a fresh IV each time and opens what it sealed', () => {
    const ring = createKeyring(keyA);
    const [one, two] = [ring.seal('whsec_abc'), ring.seal('whsec_abc')];
    expect(one).not.toBe(two);
    expect(one).not.toContain('whsec_abc');
    expect(one.startsWith(`hkenc1:${masterKeyId(keyA)}:`)).toBe(true);
    expect([ring.open(one), ring.open(two)]).toEqual(['whsec_abc', 'whsec_abc']);
  });

  it('opens plaintext as itself, and refuses a value it has no key for or that was altered', () => {
    const ring = createKeyring(keyA);
    expect(ring.open('plain value')).toBe('plain value');
    const foreign = createKeyring(keyB).seal('x');
    expect(() => ring.open(foreign)).toThrow(MasterKeyError);
    const sealed = ring.seal('secret');
    const altered = sealed.slice(0, -2) + (sealed.endsWith('AA') ? 'BA' : 'AA');
    expect(() => createKeyring(keyA).open(altered)).toThrow();
  });

  it('re-seals under the current key what a previous key sealed, and leaves current values alone', () => {
    const old = createKeyring(keyA).seal('rotate me');
    const ring = createKeyring(keyB, [keyA]);
    const resealed = ring.reseal(old);
    expect(resealed.startsWith(`hkenc1:${masterKeyId(keyB)}:`)).toBe(true);
    expect(ring.reseal(resealed)).toBe(resealed);
    expect(createKeyring(keyB).open(resealed)).toBe('rotate me');
    expect(createKeyring(keyB).open(ring.reseal('was plaintext'))).toBe('was plaintext');
  });

  it('reads a key as base64 or hex and refuses any other length or form', () => {
    expect(parseMasterKey(keyA.toString('hex')).equals(keyA)).toBe(true);
    expect(parseMasterKey(` ${keyA.toString('base64')}\n`).equals(keyA)).toBe(true);
    for (const bad of ['', 'short', keyA.toString('base64').slice(4), 'z'.repeat(64)]) {
      expect(() => parseMasterKey(bad)).toThrow(/32 bytes/);
    }
  });
});
