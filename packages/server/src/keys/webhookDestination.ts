import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Networks the operator allows as webhook destinations despite the rules (APIKEYS_WEBHOOK_ALLOWED_NETWORKS). */
export interface AllowedNetworks {
  /** Whether the address (an IPv4-mapped IPv6 one read as its IPv4 address) is inside one of the networks. */
  includes(address: string): boolean;
}

/**
 * APIKEYS_WEBHOOK_ALLOWED_NETWORKS: comma-separated address/prefix ranges (`127.0.0.0/8, fd00::/8`).
 * Unset or empty, it allows nothing; a bad entry throws, naming it.
 */
export function parseAllowedNetworks(value: string | undefined): AllowedNetworks {
  return networksOf(
    (value ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
  );
}

/** The addresses a host name resolves to. */
export type Resolve = (hostname: string) => Promise<string[]>;

/** Every address of the name (A and AAAA, as the system's resolver answers), in the resolver's order. */
export const resolveHostname: Resolve = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Whether a URL may receive webhooks, and why not when it may not. The checked addresses are returned so
 * that the sender connects to exactly those (no second DNS lookup, so no DNS rebinding). Checked when the
 * URL is set and again before each delivery, since what a name resolves to can change in between.
 */
export async function checkDestination(
  url: string,
  options: { allowed: AllowedNetworks; resolve?: Resolve },
): Promise<{ ok: true; addresses: string[] } | { ok: false; reason: string }> {
  const { allowed, resolve = resolveHostname } = options;
  const refuse = (reason: string) => ({ ok: false, reason }) as const;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse('is not a url');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return refuse('must use https');
  }
  // They would travel with every delivery and be written wherever the URL is shown or logged.
  if (parsed.username || parsed.password) {
    return refuse('must not contain credentials');
  }
  // The URL parser has already read IPv4 in every spelling (2130706433, 0x7f.1) as dotted decimal.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  // RFC 6761 reserves these names for loopback; whatever a resolver says of them is not to be trusted.
  const name = host.replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) {
    return refuse('must not be localhost');
  }
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    addresses = [];
  }
  if (addresses.length === 0 || !addresses.every((address) => isIP(address))) {
    return refuse('does not resolve');
  }
  // Every address, since the sender may connect to any of them.
  for (const address of addresses) {
    if (allowed.includes(address)) {
      continue;
    }
    const plain = unmapped(address);
    const judged = tunnelled(plain) ?? plain;
    const kind = kindOf(judged);
    if (kind) {
      return refuse(`resolves to ${address}${judged === address ? '' : ` (${judged})`}, ${kind} address`);
    }
  }
  // Plain http can be read and changed on the way: only to networks the operator answers for.
  if (parsed.protocol === 'http:' && !addresses.every((address) => allowed.includes(address))) {
    return refuse('plain http is allowed only to networks in APIKEYS_WEBHOOK_ALLOWED_NETWORKS');
  }
  return { ok: true, addresses };
}

function networksOf(entries: string[]): AllowedNetworks {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix = '', extra] = entry.split('/');
    const family = isIP(address);
    if (
      family === 0 ||
      extra !== undefined ||
      !/^\d{1,3}$/.test(prefix) ||
      Number(prefix) > (family === 4 ? 32 : 128)
    ) {
      throw new Error(`APIKEYS_WEBHOOK_ALLOWED_NETWORKS: '${entry}' is not a CIDR (address/prefix)`);
    }
    list.addSubnet(address, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
  }
  return {
    includes(address) {
      const plain = unmapped(address);
      return list.check(plain, isIP(plain) === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** The addresses that are not public, by kind (as "resolves to …, a private address" says it), first match wins. */
const NOT_PUBLIC = Object.entries({
  'a loopback': ['127.0.0.0/8', '::1/128'],
  'an unspecified': ['0.0.0.0/8', '::/128'],
  'a private': ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
  // 169.254.169.254 is where the clouds' metadata services (and their credentials) answer.
  'a link-local': ['169.254.0.0/16', 'fe80::/10'],
  'a carrier-grade NAT': ['100.64.0.0/10'],
  'a multicast': ['224.0.0.0/4', 'ff00::/8'],
  'a benchmarking': ['198.18.0.0/15', '2001:2::/48'],
  'a documentation': ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32', '3fff::/20'],
  'a broadcast': ['255.255.255.255/32'],
  'a reserved': ['240.0.0.0/4', '192.0.0.0/24', '192.88.99.0/24', '100::/64', '2001::/23'],
}).map(([kind, ranges]) => ({ kind, networks: networksOf(ranges) }));

// IPv6 outside it (IPv4-compatible ::/96, local-use NAT64 64:ff9b:1::/48, …) is not routed on the internet.
const GLOBAL_UNICAST = networksOf(['2000::/3']);

function kindOf(address: string): string | undefined {
  const kind = NOT_PUBLIC.find(({ networks }) => networks.includes(address))?.kind;
  return kind ?? (isIP(address) === 6 && !GLOBAL_UNICAST.includes(address) ? 'a reserved' : undefined);
}

/** The IPv4 address an IPv4-mapped one (::ffff:a.b.c.d) is, since a socket to it reaches that; else the address. */
function unmapped(address: string): string {
  const groups = isIP(address) === 6 ? groupsOf(address) : [];
  return startsWith(groups, [0, 0, 0, 0, 0, 0xffff]) ? ipv4Of(groups[6]!, groups[7]!) : address;
}

/** The IPv4 address a NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address carries: where it leads, so what it is judged by. */
function tunnelled(address: string): string | undefined {
  const groups = isIP(address) === 6 ? groupsOf(address) : [];
  if (startsWith(groups, [0x64, 0xff9b, 0, 0, 0, 0])) {
    return ipv4Of(groups[6]!, groups[7]!);
  }
  return startsWith(groups, [0x2002]) ? ipv4Of(groups[1]!, groups[2]!) : undefined;
}

/** The eight 16-bit groups of an IPv6 address (a dotted IPv4 tail counts as two; a zone is dropped). */
function groupsOf(address: string): number[] {
  const [head = '', tail] = address.split('%')[0]!.split('::');
  const parse = (part: string) =>
    part
      .split(':')
      .filter(Boolean)
      .flatMap((group) => {
        if (!group.includes('.')) {
          return [Number.parseInt(group, 16)];
        }
        const value = group.split('.').reduce((sum, byte) => sum * 256 + Number(byte), 0);
        return [Math.floor(value / 0x10000), value % 0x10000];
      });
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

const startsWith = (groups: number[], prefix: number[]) => prefix.every((group, i) => groups[i] === group);
const ipv4Of = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
