import { describe, expect, it } from 'vitest';
import { checkDestination, parseAllowedNetworks, type Resolve, resolveHostname } from './webhookDestination.js';

const nothing = parseAllowedNetworks(undefined);
/** A resolver that knows one answer for every name, and records the names it was asked. */
const resolving = (...addresses: string[]) => {
  const asked: string[] = [];
  const resolve: Resolve = async (hostname) => {
    asked.push(hostname);
    return addresses;
  };
  return { resolve, asked };
};
const check = (url: string, addresses: string[], allowed = nothing) =>
  checkDestination(url, { allowed, resolve: resolving(...addresses).resolve });

describe('checkDestination', () => {
  it.each([
    ['127.0.0.1', 'a loopback'],
    ['127.255.255.254', 'a loopback'],
    ['::1', 'a loopback'],
    ['0.0.0.0', 'an unspecified'],
    ['0.1.2.3', 'an unspecified'],
    ['::', 'an unspecified'],
    ['10.0.0.5', 'a private'],
    ['172.16.0.1', 'a private'],
    ['172.31.255.255', 'a private'],
    ['192.168.1.1', 'a private'],
    ['fc00::1', 'a private'],
    ['fd12:3456::1', 'a private'],
    ['169.254.169.254', 'a link-local'],
    ['169.254.0.1', 'a link-local'],
    ['fe80::1', 'a link-local'],
    ['fe80::1%eth0', 'a link-local'],
    ['100.64.0.1', 'a carrier-grade NAT'],
    ['100.127.255.255', 'a carrier-grade NAT'],
    ['224.0.0.1', 'a multicast'],
    ['239.255.255.250', 'a multicast'],
    ['ff02::1', 'a multicast'],
    ['198.18.0.1', 'a benchmarking'],
    ['198.19.255.255', 'a benchmarking'],
    ['192.0.2.1', 'a documentation'],
    ['203.0.113.9', 'a documentation'],
    ['2001:db8::1', 'a documentation'],
    ['255.255.255.255', 'a broadcast'],
    ['240.0.0.1', 'a reserved'],
    ['192.0.0.8', 'a reserved'],
    ['2001::1', 'a reserved'],
    ['100::1', 'a reserved'],
    ['::10.0.0.5', 'a reserved'],
    ['64:ff9b:1::1', 'a reserved'],
  ])('refuses %s, %s address', async (address, kind) => {
    expect(await check('https://hooks.example.com/in', [address])).toEqual({
      ok: false,
      reason: `resolves to ${address}, ${kind} address`,
    });
  });

  it.each([
    ['::ffff:10.0.0.5', '10.0.0.5', 'a private'],
    ['::ffff:a9fe:a9fe', '169.254.169.254', 'a link-local'],
    ['::ffff:127.0.0.1', '127.0.0.1', 'a loopback'],
    ['64:ff9b::10.0.0.5', '10.0.0.5', 'a private'],
    ['64:ff9b::a9fe:a9fe', '169.254.169.254', 'a link-local'],
    ['2002:c0a8:101::1', '192.168.1.1', 'a private'],
  ])('judges %s (IPv4-mapped, NAT64 or 6to4) by the IPv4 address it carries', async (address, ipv4, kind) => {
    expect(await check('https://hooks.example.com/in', [address])).toEqual({
      ok: false,
      reason: `resolves to ${address} (${ipv4}), ${kind} address`,
    });
  });

  it.each([
    '93.184.215.14',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '169.253.255.255',
    '2606:2800:21f:cb07:6820:80da:af6b:1c31',
    '::ffff:93.184.215.14',
    '64:ff9b::8.8.8.8',
    '2002:5db8:d70e::1',
  ])('accepts %s, a public address', async (address) => {
    expect(await check('https://hooks.example.com/in', [address])).toEqual({ ok: true, addresses: [address] });
  });

  it('checks IP literals as the URL parser reads them, without resolving', async () => {
    const { resolve, asked } = resolving('93.184.215.14');
    const at = (url: string) => checkDestination(url, { allowed: nothing, resolve });
    expect(await at('https://93.184.215.14/in')).toEqual({ ok: true, addresses: ['93.184.215.14'] });
    expect(await at('https://[2606:2800:21f:cb07:6820:80da:af6b:1c31]:8443/in')).toEqual({
      ok: true,
      addresses: ['2606:2800:21f:cb07:6820:80da:af6b:1c31'],
    });
    expect(await at('https://2130706433/')).toEqual({ ok: false, reason: 'resolves to 127.0.0.1, a loopback address' });
    expect(await at('https://0xa9.254.169.254/')).toEqual({
      ok: false,
      reason: 'resolves to 169.254.169.254, a link-local address',
    });
    expect(await at('https://[::1]/')).toEqual({ ok: false, reason: 'resolves to ::1, a loopback address' });
    expect(await at('https://[::ffff:10.0.0.5]/')).toEqual({
      ok: false,
      reason: 'resolves to ::ffff:a00:5 (10.0.0.5), a private address',
    });
    expect(asked).toEqual([]);
  });

  it('resolves names through the resolver it is given and refuses when any address is not public', async () => {
    const { resolve, asked } = resolving('93.184.215.14', '10.0.0.5');
    expect(await checkDestination('https://hooks.example.com/in', { allowed: nothing, resolve })).toEqual({
      ok: false,
      reason: 'resolves to 10.0.0.5, a private address',
    });
    expect(asked).toEqual(['hooks.example.com']);
    expect(await check('https://metadata.google.internal/computeMetadata/v1/', ['169.254.169.254'])).toEqual({
      ok: false,
      reason: 'resolves to 169.254.169.254, a link-local address',
    });
    expect(
      await check('https://hooks.example.com/in', ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:1c31']),
    ).toEqual({
      ok: true,
      addresses: ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:1c31'],
    });
  });

  it('refuses a name that does not resolve, or to something that is not an address', async () => {
    const failing: Resolve = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.example'), { code: 'ENOTFOUND' });
    };
    const refused = { ok: false, reason: 'does not resolve' };
    expect(await checkDestination('https://nowhere.example/', { allowed: nothing, resolve: failing })).toEqual(refused);
    expect(await check('https://nowhere.example/', [])).toEqual(refused);
    expect(await check('https://nowhere.example/', ['93.184.215.14', 'not an address'])).toEqual(refused);
  });

  it('refuses localhost and names under it without resolving them, even when loopback is allowed', async () => {
    const { resolve, asked } = resolving('93.184.215.14');
    const allowed = parseAllowedNetworks('127.0.0.0/8, ::1/128');
    for (const url of ['https://localhost/', 'http://LOCALHOST.:8080/', 'https://hooks.localhost/in']) {
      expect(await checkDestination(url, { allowed, resolve })).toEqual({ ok: false, reason: 'must not be localhost' });
    }
    expect(asked).toEqual([]);
  });

  it('refuses what is not an http(s) URL, and credentials in one', async () => {
    for (const url of ['', 'hooks.example.com/in', '/in', 'https://']) {
      expect(await check(url, ['93.184.215.14'])).toEqual({ ok: false, reason: 'is not a url' });
    }
    for (const url of [
      'ftp://hooks.example.com/',
      'file:///etc/passwd',
      'gopher://hooks.example.com/',
      'ws://x.example/',
      'javascript:alert(1)',
      'data:,x',
    ]) {
      expect(await check(url, ['93.184.215.14'])).toEqual({ ok: false, reason: 'must use https' });
    }
    for (const url of [
      'https://user:secret@hooks.example.com/',
      'https://user@hooks.example.com/',
      'https://:secret@hooks.example.com/',
    ]) {
      expect(await check(url, ['93.184.215.14'])).toEqual({ ok: false, reason: 'must not contain credentials' });
    }
  });

  it('lets allowed networks through, with plain http only to them', async () => {
    const allowed = parseAllowedNetworks('127.0.0.0/8, 10.0.0.0/8, fd00::/8');
    const http = { ok: false, reason: 'plain http is allowed only to networks in APIKEYS_WEBHOOK_ALLOWED_NETWORKS' };
    expect(await check('http://127.0.0.1:8080/in', [], allowed)).toEqual({ ok: true, addresses: ['127.0.0.1'] });
    expect(await check('https://127.0.0.1/in', [], allowed)).toEqual({ ok: true, addresses: ['127.0.0.1'] });
    expect(await check('http://hooks.internal/in', ['10.0.0.5', 'fd00::5'], allowed)).toEqual({
      ok: true,
      addresses: ['10.0.0.5', 'fd00::5'],
    });
    expect(await check('https://hooks.internal/in', ['::ffff:10.0.0.5'], allowed)).toEqual({
      ok: true,
      addresses: ['::ffff:10.0.0.5'],
    });
    // One address outside them is enough to refuse.
    expect(await check('https://hooks.internal/in', ['10.0.0.5', '192.168.1.1'], allowed)).toEqual({
      ok: false,
      reason: 'resolves to 192.168.1.1, a private address',
    });
    expect(await check('http://hooks.internal/in', ['10.0.0.5', '93.184.215.14'], allowed)).toEqual(http);
    expect(await check('http://93.184.215.14/in', [], allowed)).toEqual(http);
    expect(await check('http://127.0.0.1/in', [])).toEqual({
      ok: false,
      reason: 'resolves to 127.0.0.1, a loopback address',
    });
  });
});

describe('parseAllowedNetworks', () => {
  it('reads comma-separated IPv4 and IPv6 ranges', () => {
    const allowed = parseAllowedNetworks(' 127.0.0.0/8 , fd00::/8,::ffff:192.168.0.0/112,');
    expect(
      ['127.0.0.1', '127.255.255.255', 'fd00::1', '::ffff:127.0.0.1', '192.168.3.4'].map((a) => allowed.includes(a)),
    ).toEqual([true, true, true, true, true]);
    expect(['128.0.0.1', 'fe00::1', '::1', '192.169.0.1'].map((a) => allowed.includes(a))).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('allows nothing when unset or empty', () => {
    for (const value of [undefined, '', ' , ']) {
      expect(parseAllowedNetworks(value).includes('127.0.0.1')).toBe(false);
    }
  });

  it.each([
    '10.0.0.0/33',
    '::1/129',
    '10.0.0.0',
    '10.0.0.0/',
    '10.0.0.0/-1',
    '10.0.0.0/8/8',
    '10.0.0.0/ 8',
    '10.0.0/8',
    'example.com/8',
  ])('throws naming %s', (entry) => {
    expect(() => parseAllowedNetworks(`127.0.0.0/8, ${entry}`)).toThrow(
      new Error(`APIKEYS_WEBHOOK_ALLOWED_NETWORKS: '${entry}' is not a CIDR (address/prefix)`),
    );
  });
});

describe('resolveHostname', () => {
  it('answers the addresses the system resolver gives', async () => {
    expect(await resolveHostname('127.0.0.1')).toEqual(['127.0.0.1']);
  });
});
