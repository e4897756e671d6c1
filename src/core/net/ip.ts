/**
 * Pure IP address parsing and classification for the SSRF guard. No DNS, no sockets.
 *
 * Every address is handled as 16 bytes: an IPv4 address is its IPv4-mapped IPv6 form
 * (`::ffff:a.b.c.d`), and an IPv4 CIDR `/n` becomes `/96+n`. One matcher then covers both
 * families, and a mapped address is classified exactly like the IPv4 address it maps to.
 */

export interface HostAddress {
  /** Canonical text: dotted decimal for IPv4, RFC 5952 lowercase compressed hex for IPv6. */
  address: string;
  family: 4 | 6;
}

/** A network as 16 bytes and a prefix length in bits over those 16 bytes. */
interface Network {
  bytes: Uint8Array;
  prefixBits: number;
}

const IPV4_MAPPED_PREFIX_BITS = 96;
// Patterns come before the network tables below, which are parsed at module load.
const HEX_GROUP_PATTERN = /^[0-9a-fA-F]{1,4}$/;
const DOTTED_QUAD_PATTERN = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Recognises an IP literal in any form a URL parser, browser, curl or `inet_aton` accepts, and
 * returns its canonical form; `null` for a host name. Accepted: dotted IPv4 with decimal, octal
 * (`0177`) or hex (`0x7f`) parts, short forms (`127.1`, `2130706433`, `0x7f000001`), a trailing
 * dot, and IPv6 with or without brackets, with embedded IPv4 or a zone id (`%eth0`, dropped).
 */
export function parseHostAddress(host: string): HostAddress | null {
  if (host.startsWith('[')) {
    if (!host.endsWith(']')) return null;
    const bytes = parseIPv6(host.slice(1, -1));
    return bytes === null ? null : { address: formatIPv6(bytes), family: 6 };
  }
  if (host.includes(':')) {
    const bytes = parseIPv6(host);
    return bytes === null ? null : { address: formatIPv6(bytes), family: 6 };
  }
  const ipv4 = parseIPv4(host);
  return ipv4 === null ? null : { address: formatIPv4(ipv4), family: 4 };
}

/**
 * Whether hookd may send to `address`: false for loopback, private, link-local (incl. cloud
 * metadata 169.254.169.254), CGNAT, multicast, reserved, documentation, benchmarking and the
 * IPv6 equivalents (all of IPv6 outside 2000::/3, 6to4 and Teredo too); IPv4 embedded in IPv6
 * (mapped `::ffff:`, NAT64 `64:ff9b::/96`) is judged as that IPv4 address. Addresses inside one
 * of `allowedNetworks` (CIDRs; a bare address is a single host) are allowed whatever they are.
 * Anything unparseable is not public (fail closed).
 *
 * For repeated checks against the same list, `createAddressPolicy` parses the list once.
 */
export function isPublicAddress(address: string, allowedNetworks: readonly string[]): boolean {
  return createAddressPolicy(allowedNetworks)(address);
}

/**
 * `isPublicAddress` with `allowedNetworks` parsed once. Throws `TypeError` on a malformed
 * network (config validation should have caught it already).
 */
export function createAddressPolicy(allowedNetworks: readonly string[]): (address: string) => boolean {
  const allowed = allowedNetworks.map(parseNetwork);
  return (address) => {
    const bytes = parseToBytes16(address);
    if (bytes === null) return false;
    if (allowed.some((n) => contains(n, bytes))) return true;
    return isGloballyRoutable(bytes);
  };
}

/** Whether `cidr` (`a.b.c.d/n`, `x::y/n`, or a bare address) is a well-formed network. */
export function isValidNetwork(cidr: string): boolean {
  try {
    parseNetwork(cidr);
    return true;
  } catch {
    return false;
  }
}

// IANA special-purpose registries (RFC 6890 and successors): none of these reach the public
// internet, and several reach things a webhook must never reach (loopback, metadata, LAN).
const NON_PUBLIC_IPV4 = [
  '0.0.0.0/8', // "this network"
  '10.0.0.0/8', // private
  '100.64.0.0/10', // carrier-grade NAT
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local, cloud metadata (169.254.169.254)
  '172.16.0.0/12', // private
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // documentation
  '192.88.99.0/24', // 6to4 relay anycast (deprecated)
  '192.168.0.0/16', // private
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // documentation
  '203.0.113.0/24', // documentation
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, incl. broadcast 255.255.255.255
].map(parseNetwork);

/** Global unicast; the rest of IPv6 (::1, fc00::/7, fe80::/10, ff00::/8...) is never public. */
const IPV6_GLOBAL_UNICAST = parseNetwork('2000::/3');

const NON_PUBLIC_IPV6_UNICAST = [
  '2001::/23', // IETF protocol assignments: Teredo (2001::/32), benchmarking, ORCHID
  '2001:db8::/32', // documentation
  '2002::/16', // 6to4: tunnels to an IPv4 address this check cannot see
  '3fff::/20', // documentation
].map(parseNetwork);

const IPV4_MAPPED = parseNetwork('::ffff:0:0/96');
const NAT64 = parseNetwork('64:ff9b::/96');

function isGloballyRoutable(bytes: Uint8Array): boolean {
  if (contains(IPV4_MAPPED, bytes)) return !NON_PUBLIC_IPV4.some((n) => contains(n, bytes));
  if (contains(NAT64, bytes)) {
    // The gateway forwards to the embedded IPv4 address; judge that one.
    const embedded = new Uint8Array(16);
    embedded.set(IPV4_MAPPED.bytes.subarray(0, 12));
    embedded.set(bytes.subarray(12), 12);
    return isGloballyRoutable(embedded);
  }
  return contains(IPV6_GLOBAL_UNICAST, bytes) && !NON_PUBLIC_IPV6_UNICAST.some((n) => contains(n, bytes));
}

function contains(network: Network, bytes: Uint8Array): boolean {
  const fullBytes = network.prefixBits >> 3;
  for (let i = 0; i < fullBytes; i++) if (bytes[i] !== network.bytes[i]) return false;
  const restBits = network.prefixBits & 7;
  if (restBits === 0) return true;
  const mask = (0xff << (8 - restBits)) & 0xff;
  return (bytes[fullBytes] & mask) === (network.bytes[fullBytes] & mask);
}

function parseNetwork(cidr: string): Network {
  const slash = cidr.indexOf('/');
  const addressText = slash === -1 ? cidr : cidr.slice(0, slash);
  const parsed = parseStrictAddress(addressText);
  if (parsed === null) throw new TypeError(`not an IP network: ${JSON.stringify(cidr)}`);
  const maxBits = parsed.family === 4 ? 32 : 128;
  const bitsText = slash === -1 ? String(maxBits) : cidr.slice(slash + 1);
  const bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
  if (!(bits <= maxBits)) throw new TypeError(`bad prefix length in ${JSON.stringify(cidr)}`);
  return { bytes: toBytes16(parsed), prefixBits: parsed.family === 4 ? IPV4_MAPPED_PREFIX_BITS + bits : bits };
}

/**
 * Networks in config are written plainly: dotted-quad IPv4 without leading zeros (which some
 * readers take as octal and others as decimal; refuse rather than guess) or IPv6.
 */
function parseStrictAddress(text: string): HostAddress | null {
  if (DOTTED_QUAD_PATTERN.test(text)) return { address: text, family: 4 };
  return text.includes(':') ? parseHostAddress(text) : null;
}

function toBytes16(address: HostAddress): Uint8Array {
  return address.family === 6 ? parseIPv6(address.address)! : ipv4ToBytes16(parseIPv4(address.address)!);
}

/** `parseHostAddress` straight to bytes, skipping the canonical text: the hot path of the guard. */
function parseToBytes16(host: string): Uint8Array | null {
  if (host.startsWith('[')) return host.endsWith(']') ? parseIPv6(host.slice(1, -1)) : null;
  if (host.includes(':')) return parseIPv6(host);
  const ipv4 = parseIPv4(host);
  return ipv4 === null ? null : ipv4ToBytes16(ipv4);
}

function ipv4ToBytes16(value: number): Uint8Array {
  const bytes = new Uint8Array(16);
  bytes[10] = 0xff;
  bytes[11] = 0xff;
  bytes[12] = value >>> 24;
  bytes[13] = (value >>> 16) & 0xff;
  bytes[14] = (value >>> 8) & 0xff;
  bytes[15] = value & 0xff;
  return bytes;
}

/** WHATWG URL IPv4 parser (also what `inet_aton` accepts): 1 to 4 parts, the last fills the rest. */
function parseIPv4(host: string): number | null {
  const parts = host.split('.');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 0 || parts.length > 4) return null;
  let value = 0;
  for (let i = 0; i < parts.length; i++) {
    const n = parseIPv4Number(parts[i]);
    if (n === null) return null;
    const isLast = i === parts.length - 1;
    if (!isLast) {
      if (n > 255) return null;
      value += n * 256 ** (3 - i);
    } else {
      if (n >= 256 ** (4 - i)) return null;
      value += n;
    }
  }
  return value;
}

function parseIPv4Number(part: string): number | null {
  if (/^0[xX][0-9a-fA-F]*$/.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  if (/^0[0-7]*$/.test(part)) return parseInt(part, 8);
  if (/^[1-9][0-9]*$/.test(part)) return Number(part);
  return null;
}

function formatIPv4(value: number): string {
  return `${Math.floor(value / 0x1000000)}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
}

/** RFC 4291 text form to 16 bytes, `null` if malformed. A zone id (`%eth0`) is ignored. */
function parseIPv6(text: string): Uint8Array | null {
  const percent = text.indexOf('%');
  if (percent !== -1) text = text.slice(0, percent);
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const tail = halves.length === 1 || halves[1] === '' ? [] : halves[1].split(':');
  const groups: number[] = [];
  const readGroups = (list: string[], mayEndWithIPv4: boolean): number[] | null => {
    const out: number[] = [];
    for (let i = 0; i < list.length; i++) {
      const group = list[i];
      if (HEX_GROUP_PATTERN.test(group)) {
        out.push(parseInt(group, 16));
      } else if (mayEndWithIPv4 && i === list.length - 1 && /^\d{1,3}(\.\d{1,3}){3}$/.test(group)) {
        const octets = group.split('.').map(Number);
        if (octets.some((o) => o > 255)) return null;
        out.push((octets[0] << 8) | octets[1], (octets[2] << 8) | octets[3]);
      } else {
        return null;
      }
    }
    return out;
  };
  const headGroups = readGroups(head, halves.length === 1);
  const tailGroups = readGroups(tail, true);
  if (headGroups === null || tailGroups === null) return null;
  if (halves.length === 1) {
    if (headGroups.length !== 8) return null;
    groups.push(...headGroups);
  } else {
    const missing = 8 - headGroups.length - tailGroups.length;
    if (missing < 1) return null;
    groups.push(...headGroups, ...new Array<number>(missing).fill(0), ...tailGroups);
  }
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    bytes[2 * i] = groups[i] >> 8;
    bytes[2 * i + 1] = groups[i] & 0xff;
  }
  return bytes;
}

/** RFC 5952: lowercase hex, no leading zeros, the longest run (>= 2) of zero groups as `::`. */
function formatIPv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[2 * i] << 8) | bytes[2 * i + 1]);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
