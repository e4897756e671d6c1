import { describe, expect, it } from 'vitest';
import { createAddressPolicy, isPublicAddress, isValidNetwork, parseHostAddress } from './ip.js';

describe('parseHostAddress', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1', 4],
    ['2130706433', '127.0.0.1', 4],
    ['0x7f000001', '127.0.0.1', 4],
    ['0X7F000001', '127.0.0.1', 4],
    ['0177.0.0.1', '127.0.0.1', 4],
    ['0x7f.0.0.1', '127.0.0.1', 4],
    ['0x7f.1', '127.0.0.1', 4],
    ['127.1', '127.0.0.1', 4],
    ['127.0.1', '127.0.0.1', 4],
    ['10.1', '10.0.0.1', 4],
    ['0', '0.0.0.0', 4],
    ['0x', '0.0.0.0', 4],
    ['1.2.3.4.', '1.2.3.4', 4],
    ['0251.0376.0251.0376', '169.254.169.254', 4],
    ['2852039166', '169.254.169.254', 4],
    ['4294967295', '255.255.255.255', 4],
    ['1.16777215', '1.255.255.255', 4],
    ['[::1]', '::1', 6],
    ['::1', '::1', 6],
    ['[0:0:0:0:0:0:0:1]', '::1', 6],
    ['::', '::', 6],
    ['[::ffff:127.0.0.1]', '::ffff:7f00:1', 6],
    ['::ffff:7f00:1', '::ffff:7f00:1', 6],
    ['[FE80::1%eth0]', 'fe80::1', 6],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 6],
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1', 6],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1', 6],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1', 6],
    ['1::', '1::', 6],
    ['64:ff9b::10.0.0.1', '64:ff9b::a00:1', 6],
  ] as const)('%s → %s', (host, address, family) => {
    expect(parseHostAddress(host)).toEqual({ address, family });
  });

  it.each([
    'example.com',
    'localhost',
    'internal.test',
    '1.2.3.com',
    '',
    '.',
    '1..2',
    '.1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '1.256.0.1',
    '1.16777216',
    '4294967296',
    '08.0.0.1',
    '0x1g',
    '1.2.3.-4',
    '[::1',
    '[127.0.0.1]',
    '[example.com]',
    ':::',
    '1:::2',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8::',
    '12345::',
    '::1.2.3.256',
    '::1.2.3',
    '1.2.3.4::',
  ])('%j is not an IP literal', (host) => {
    expect(parseHostAddress(host)).toBeNull();
  });
});

describe('isPublicAddress', () => {
  it.each([
    // IPv4 special-purpose ranges
    '0.0.0.0',
    '0.1.2.3',
    '10.0.0.1',
    '10.255.255.255',
    '100.64.0.1',
    '100.127.255.254',
    '127.0.0.1',
    '127.255.255.254',
    '169.254.169.254',
    '169.254.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.0.0.1',
    '192.0.2.1',
    '192.168.0.1',
    '192.168.255.255',
    '198.18.0.1',
    '198.19.255.255',
    '198.51.100.7',
    '203.0.113.9',
    '224.0.0.1',
    '239.255.255.250',
    '240.0.0.1',
    '255.255.255.255',
    // other spellings of the same
    '2130706433',
    '0x7f000001',
    '0177.0.0.1',
    '127.1',
    '[::1]',
    // IPv6
    '::',
    '::1',
    '::127.0.0.1',
    'fc00::1',
    'fd12:3456:789a::1',
    'fe80::1',
    'fe80::1%eth0',
    'febf:ffff::1',
    'fec0::1',
    'ff02::1',
    'ff0e::1',
    '2001:db8::1',
    '3fff::1',
    '100::1',
    'fbff::1',
    'fe7f::1',
    '4000::1',
    '1fff::1',
    // IPv4 inside IPv6
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::127.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b:1::1',
    '2002:7f00:1::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    // not addresses at all: fail closed
    'example.com',
    '',
    'garbage',
  ])('%s is not public', (address) => {
    expect(isPublicAddress(address, [])).toBe(false);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '9.255.255.255',
    '11.0.0.1',
    '100.63.255.255',
    '100.128.0.0',
    '126.255.255.255',
    '128.0.0.0',
    '169.253.255.255',
    '169.255.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.0.1.1',
    '192.167.255.255',
    '192.169.0.0',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::8.8.8.8',
    '2001:200::1',
    '2a01:4f8::1',
  ])('%s is public', (address) => {
    expect(isPublicAddress(address, [])).toBe(true);
  });

  it('allows what is inside an allowed network, and only that', () => {
    const allowed = ['127.0.0.0/8', '::1/128', '10.1.0.0/16', '192.168.1.5', 'fd00::/8'];
    expect(isPublicAddress('127.0.0.1', allowed)).toBe(true);
    expect(isPublicAddress('127.1.2.3', allowed)).toBe(true);
    expect(isPublicAddress('2130706433', allowed)).toBe(true);
    expect(isPublicAddress('::ffff:127.0.0.1', allowed)).toBe(true);
    expect(isPublicAddress('::1', allowed)).toBe(true);
    expect(isPublicAddress('10.1.255.255', allowed)).toBe(true);
    expect(isPublicAddress('10.2.0.0', allowed)).toBe(false);
    expect(isPublicAddress('192.168.1.5', allowed)).toBe(true);
    expect(isPublicAddress('192.168.1.6', allowed)).toBe(false);
    expect(isPublicAddress('fd12::1', allowed)).toBe(true);
    expect(isPublicAddress('fc00::1', allowed)).toBe(false);
    expect(isPublicAddress('fd00::', allowed)).toBe(true);
    expect(isPublicAddress('169.254.169.254', allowed)).toBe(false);
    expect(isPublicAddress('::2', allowed)).toBe(false);
    expect(isPublicAddress('8.8.8.8', allowed)).toBe(true);
  });

  it('handles prefixes that are not byte-aligned', () => {
    expect(isPublicAddress('172.20.0.1', ['172.20.0.0/14'])).toBe(true);
    expect(isPublicAddress('172.23.255.255', ['172.20.0.0/14'])).toBe(true);
    expect(isPublicAddress('172.24.0.0', ['172.20.0.0/14'])).toBe(false);
    expect(isPublicAddress('10.0.0.1', ['0.0.0.0/0'])).toBe(true);
    expect(isPublicAddress('fe80::1', ['::/0'])).toBe(true);
  });

  it('throws on a malformed allowed network', () => {
    for (const bad of [
      '127.0.0.0/33',
      '::1/129',
      '127.1/8',
      '0177.0.0.1',
      'example.com/8',
      '10.0.0.0/',
      '10.0.0.0/8/8',
    ]) {
      expect(() => createAddressPolicy([bad]), bad).toThrow(TypeError);
      expect(isValidNetwork(bad)).toBe(false);
    }
    expect(isValidNetwork('10.0.0.0/8')).toBe(true);
    expect(isValidNetwork('::1')).toBe(true);
  });
});
