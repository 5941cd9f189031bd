import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Where an IP address points, as far as reaching it from the turn engine is concerned.
 * - `metadata`: a cloud instance/task metadata or credentials endpoint. Never reachable.
 * - `loopback`: this host.
 * - `private`: any other non-public range (RFC 1918, link-local, CGNAT, ULA, multicast, …).
 * - `public`: everything else.
 */
export type AddressKind = 'public' | 'loopback' | 'private' | 'metadata';

/**
 * Credentials and metadata endpoints of the clouds the platform may run on. Blocked even when
 * private networks are allowed: the dev stack needs loopback, nothing needs these.
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html (IMDS v4
 * and v6), https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html (ECS
 * task credentials), EKS Pod Identity (169.254.170.23, fd00:ec2::23), Alibaba, Oracle.
 */
const METADATA_ADDRESSES = new Set([
  '169.254.169.254',
  '169.254.170.2',
  '169.254.170.23',
  '100.100.100.200',
  '192.0.0.192',
  'fd00:ec2::254',
  'fd00:ec2::23',
]);

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Special-purpose ranges (IANA registries) that are not the public internet. */
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['169.254.0.0', 16], // link-local
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['2001::', 32], // Teredo (embeds an obfuscated IPv4 address)
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (includes fd00::/8 and AWS's fd00:ec2::/32)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/**
 * Classifies an IP address literal (IPv4, or IPv6 with or without brackets and zone id). IPv6
 * forms that embed an IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64
 * `64:ff9b::/96`, 6to4 `2002::/16`) are classified by the IPv4 address they lead to.
 * Returns undefined for anything that is not an IP address.
 */
export function classifyAddress(address: string): AddressKind | undefined {
  const text = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIPv4(text)) return classifyIpv4(text);
  if (!isIPv6(text)) return undefined;
  const groups = expandIpv6(text);
  if (!groups) return undefined;
  const canonical = groups.map((group) => group.toString(16)).join(':');
  const embedded = embeddedIpv4(groups);
  if (embedded !== undefined) return classifyIpv4(embedded);
  if (METADATA_ADDRESSES.has(compressIpv6(canonical))) return 'metadata';
  if (LOOPBACK.check(text, 'ipv6')) return 'loopback';
  if (NOT_PUBLIC.check(text, 'ipv6')) return 'private';
  return 'public';
}

function classifyIpv4(address: string): AddressKind {
  if (METADATA_ADDRESSES.has(address)) return 'metadata';
  if (LOOPBACK.check(address, 'ipv4')) return 'loopback';
  if (NOT_PUBLIC.check(address, 'ipv4')) return 'private';
  return 'public';
}

/** The eight 16-bit groups of a valid IPv6 literal (dotted IPv4 tail allowed). */
function expandIpv6(text: string): number[] | undefined {
  let head = text;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (isIPv4(last)) {
    const [a = 0, b = 0, c = 0, d = 0] = last.split('.').map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  const parse = (part: string | undefined): number[] =>
    part === undefined || part === '' ? [] : part.split(':').map((group) => parseInt(group, 16));
  let groups: number[];
  if (halves.length === 2) {
    const left = parse(halves[0]);
    const right = parse(halves[1]);
    groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  } else {
    groups = parse(head);
  }
  if (tail.length > 0) groups = [...groups.slice(0, groups.length - 2), ...tail];
  return groups.length === 8 && groups.every((group) => group >= 0 && group <= 0xffff)
    ? groups
    : undefined;
}

function embeddedIpv4(groups: readonly number[]): string | undefined {
  const g = (index: number): number => groups[index] ?? 0;
  const dotted = (high: number, low: number): string =>
    [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  const zeros = (from: number, to: number): boolean =>
    groups.slice(from, to).every((group) => group === 0);
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (deprecated compatible; not :: or ::1 themselves).
  if (zeros(0, 5) && g(5) === 0xffff) return dotted(g(6), g(7));
  if (zeros(0, 6) && (g(6) !== 0 || g(7) > 1)) return dotted(g(6), g(7));
  // 64:ff9b::a.b.c.d, the well-known NAT64 prefix (RFC 6052).
  if (g(0) === 0x64 && g(1) === 0xff9b && zeros(2, 6)) return dotted(g(6), g(7));
  // 2002:AABB:CCDD::/48, 6to4 (RFC 3056).
  if (g(0) === 0x2002) return dotted(g(1), g(2));
  return undefined;
}

function compressIpv6(canonical: string): string {
  // Longest run of zero groups becomes '::', as in RFC 5952, to compare with the literals above.
  const groups = canonical.split(':');
  let bestStart = -1;
  let bestLength = 0;
  for (let start = 0; start < groups.length; start += 1) {
    let length = 0;
    while (groups[start + length] === '0') length += 1;
    if (length > bestLength && length > 1) {
      bestStart = start;
      bestLength = length;
    }
  }
  if (bestStart < 0) return canonical;
  const left = groups.slice(0, bestStart).join(':');
  const right = groups.slice(bestStart + bestLength).join(':');
  return `${left}::${right}`;
}
