import { createPublicKey, verify as cryptoVerify } from 'node:crypto';

/**
 * A receiver's check of a `v1a` signature (Standard Webhooks, ed25519) with node:crypto alone
 * (neither the svix nor the standardwebhooks package has `v1a`), so that hookd's own signing code
 * is not what checks itself. `publicKey` is `whpk_` + base64 of the raw 32-byte public key.
 */
export function verifyEd25519(publicKey: string, id: string, timestamp: number, body: string, header: string): boolean {
  const x = Buffer.from(publicKey.slice('whpk_'.length), 'base64').toString('base64url');
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  const content = Buffer.from(`${id}.${timestamp}.${body}`);
  return header
    .split(' ')
    .filter((entry) => entry.startsWith('v1a,'))
    .some((entry) => cryptoVerify(null, content, key, Buffer.from(entry.slice('v1a,'.length), 'base64')));
}
