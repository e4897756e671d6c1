import { describe, expect, it } from 'vitest';
import { dedupKeyOf } from './dedup-key.js';

const request = (body: string, headers: [string, string][] = []) => ({ headers, body: Buffer.from(body) });

describe('dedupKeyOf', () => {
  it('uses the delivery id the verifier reported, and none when it reported none', () => {
    const setting = { by: 'delivery-id', windowSeconds: 60 } as const;
    expect(dedupKeyOf(setting, request('{}'), 'evt_1')).toBe('id:evt_1');
    expect(dedupKeyOf(setting, request('{}'), undefined)).toBeNull();
  });

  it('reads a header by name, whatever its case', () => {
    const setting = { by: 'header', header: 'X-Delivery', windowSeconds: 60 } as const;
    expect(dedupKeyOf(setting, request('', [['x-delivery', 'a1']]), undefined)).toBe('header:a1');
    expect(dedupKeyOf(setting, request('', [['x-other', 'a1']]), undefined)).toBeNull();
  });

  it('reads a dotted JSON path; own members only, absent or not JSON gives no key', () => {
    const setting = { by: 'json-path', path: 'data.id', windowSeconds: 60 } as const;
    expect(dedupKeyOf(setting, request('{"data":{"id":7}}'), undefined)).toBe('json:7');
    expect(dedupKeyOf(setting, request('{"data":{"id":"7"}}'), undefined)).toBe('json:"7"');
    expect(dedupKeyOf(setting, request('{"data":{}}'), undefined)).toBeNull();
    expect(dedupKeyOf({ ...setting, path: 'data.constructor' }, request('{"data":{}}'), undefined)).toBeNull();
    expect(dedupKeyOf(setting, request('not json'), undefined)).toBeNull();
  });

  it('hashes the body bytes: equal bodies share a key, one byte apart they do not', () => {
    const setting = { by: 'body-hash', windowSeconds: 60 } as const;
    const a = dedupKeyOf(setting, request('{"a":1}'), undefined);
    expect(a).toBe(dedupKeyOf(setting, request('{"a":1}'), undefined));
    expect(a).not.toBe(dedupKeyOf(setting, request('{"a":2}'), undefined));
  });
});
