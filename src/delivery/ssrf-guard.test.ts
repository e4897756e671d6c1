import { describe, expect, it } from 'vitest';
import { defaultResolver, validateEndpointUrl } from './ssrf-guard.js';

describe('validateEndpointUrl', () => {
  it.each([
    'https://example.com/webhooks',
    'http://example.com:8080/hook?x=1',
    'https://example.com/a@b?c=d@e',
    'https://8.8.8.8/hook',
    'https://[2606:4700:4700::1111]/hook',
    // Host names are checked after resolution, at send time.
    'http://localhost:3000/',
    'http://internal.test/',
  ])('accepts %s', (url) => {
    expect(validateEndpointUrl(url, [])).toBeNull();
  });

  it.each([
    ['ftp://example.com/', /http or https, not ftp/],
    ['file:///etc/passwd', /http or https, not file/],
    ['javascript:alert(1)', /http or https/],
    ['gopher://127.0.0.1:6379/_INFO', /http or https/],
    ['not a url', /not a valid URL/],
    ['', /not a valid URL/],
    ['http://', /not a valid URL/],
    ['http://exa mple.com/', /not a valid URL/],
  ])('refuses %j', (url, message) => {
    expect(validateEndpointUrl(url, [])).toMatch(message);
  });

  it.each([
    ['https://user:pass@example.com/', /user name or password.*Authorization header/],
    ['https://user@example.com/', /user name or password/],
    ['https://:pass@example.com/', /user name or password/],
    ['https://@example.com/', /user name or password/],
    ['https:user:pass@example.com/', /user name or password/],
    ['https://example.com/hook#x', /fragment/],
    ['https://example.com/hook#', /fragment/],
    ['https://exa\tmple.com/', /spaces or control characters/],
    ['https://example.com/a\nb', /spaces or control characters/],
    [' https://example.com/', /spaces or control characters/],
    ['https://example.com/ ', /spaces or control characters/],
    ['https://example.com\\@evil.test/', /backslash/],
  ])('refuses %j, a part the request would not carry as written', (url, message) => {
    expect(validateEndpointUrl(url, [])).toMatch(message);
  });

  it.each([
    ['http://127.0.0.1:8080/', '127.0.0.1'],
    ['http://10.0.0.1/', '10.0.0.1'],
    ['http://172.16.5.4/', '172.16.5.4'],
    ['http://192.168.1.1/', '192.168.1.1'],
    ['http://169.254.169.254/latest/meta-data', '169.254.169.254'],
    ['http://100.64.0.1/', '100.64.0.1'],
    ['http://0.0.0.0/', '0.0.0.0'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://2130706433/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://0251.0376.0251.0376/', '169.254.169.254'],
    ['http://[::1]/', '::1'],
    ['http://[::]/', '::'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1'],
    ['http://[::ffff:169.254.169.254]/', '::ffff:a9fe:a9fe'],
    ['http://[fd00::1]/', 'fd00::1'],
    ['http://[fe80::1]/', 'fe80::1'],
    ['https://224.0.0.1/', '224.0.0.1'],
  ])('refuses the private or reserved literal %s', (url, address) => {
    expect(validateEndpointUrl(url, [])).toBe(
      `endpoint URL points to a private or reserved address (${address}); allow it with HOOKD_ALLOWED_NETWORKS`,
    );
  });

  it('accepts a private literal inside an allowed network', () => {
    const allowed = ['127.0.0.0/8', '::1/128', '10.20.0.0/16'];
    expect(validateEndpointUrl('http://127.0.0.1:9000/', allowed)).toBeNull();
    expect(validateEndpointUrl('http://0x7f000001:9000/', allowed)).toBeNull();
    expect(validateEndpointUrl('http://[::1]:9000/', allowed)).toBeNull();
    expect(validateEndpointUrl('http://[::ffff:127.0.0.1]/', allowed)).toBeNull();
    expect(validateEndpointUrl('http://10.20.3.4/', allowed)).toBeNull();
    expect(validateEndpointUrl('http://10.21.3.4/', allowed)).toMatch(/private or reserved address \(10\.21\.3\.4\)/);
    expect(validateEndpointUrl('http://169.254.169.254/', allowed)).toMatch(/169\.254\.169\.254/);
  });
});

describe('defaultResolver', () => {
  it('returns IP literals as they are, without asking DNS', async () => {
    expect(await defaultResolver('127.0.0.1')).toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect(await defaultResolver('::1')).toEqual([{ address: '::1', family: 6 }]);
  });
});
