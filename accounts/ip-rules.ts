// Allow and deny lists of IP addresses and CIDR blocks, IPv4 and IPv6. Every address is
// held as 128 bits; an IPv4 address is its IPv4-mapped IPv6 form ::ffff:a.b.c.d (RFC 4291
// section 2.5.5.2), which is also how a dual-stack socket reports an IPv4 peer. So
// 127.0.0.0/8 matches both "127.0.0.1" and "::ffff:127.0.0.1", and 0.0.0.0/0 means every
// IPv4 address and no IPv6 one (it is ::ffff:0:0/96).
//
// Deny wins: an address on the deny list is refused whatever the allow list says. An empty
// allow list allows everything not denied; a non-empty one allows only what it matches.
import { AccountError, AccountErrorKind, newRefusalCounts, type RefusalCounts } from './errors';

export interface IpRulesOptions {
  allow?: readonly string[];
  deny?: readonly string[];
}

/** A parsed rule: the network's 128 bits as four big-endian 32-bit words, and the prefix length 0..128. */
export interface IpRule {
  /** The rule as written. */
  text: string;
  words: Uint32Array;
  prefixBits: number;
}

const IPV4_OCTET = /^(0|[1-9]\d{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const PREFIX = /^(0|[1-9]\d{0,2})$/;
const ZONE = /^[0-9A-Za-z.:_-]+$/;

/** Parses dotted IPv4 into a 32-bit number, or -1. Leading zeros are refused (some parsers read them as octal). */
function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) return -1;
  let value = 0;
  for (const part of parts) {
    if (!IPV4_OCTET.test(part)) return -1;
    const octet = Number(part);
    if (octet > 255) return -1;
    value = value * 256 + octet;
  }
  return value;
}

/** Parses an IPv4 or IPv6 address (no prefix, no zone) into `out` (4 words). False if it is neither. */
function parseAddress(text: string, out: Uint32Array): boolean {
  if (text.indexOf(':') < 0) {
    const v4 = parseIpv4(text);
    if (v4 < 0) return false;
    out[0] = 0;
    out[1] = 0;
    out[2] = 0xffff;
    out[3] = v4;
    return true;
  }
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups: number[] = [];
  const tail: number[] = [];
  const readGroups = (part: string, into: number[], lastMayBeIpv4: boolean): boolean => {
    if (part === '') return true;
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (lastMayBeIpv4 && i === pieces.length - 1 && piece.indexOf('.') >= 0) {
        // An embedded IPv4 address (::ffff:1.2.3.4) is the last 32 bits, two groups.
        const v4 = parseIpv4(piece);
        if (v4 < 0) return false;
        into.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!HEX_GROUP.test(piece)) return false;
        into.push(Number.parseInt(piece, 16));
      }
    }
    return true;
  };
  if (halves.length === 1) {
    if (!readGroups(text, groups, true) || groups.length !== 8) return false;
  } else {
    // "::" stands for one or more zero groups (RFC 4291 section 2.2).
    if (!readGroups(halves[0], groups, false) || !readGroups(halves[1], tail, true)) return false;
    const zeros = 8 - groups.length - tail.length;
    if (zeros < 1) return false;
    for (let i = 0; i < zeros; i++) groups.push(0);
    for (const g of tail) groups.push(g);
  }
  for (let w = 0; w < 4; w++) out[w] = ((groups[2 * w] << 16) | groups[2 * w + 1]) >>> 0;
  return true;
}

/** The mask of the first `bits` bits of a 32-bit word (0..32). */
function wordMask(bits: number): number {
  return bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}

function matches(rule: IpRule, address: Uint32Array): boolean {
  for (let w = 0; w < 4; w++) {
    const bits = rule.prefixBits - 32 * w;
    if (bits <= 0) return true;
    const mask = wordMask(bits);
    if (((address[w] & mask) >>> 0) !== rule.words[w]) return false;
  }
  return true;
}

/** Parses one rule ("10.0.0.0/8", "2001:db8::/32", "::ffff:127.0.0.1", "192.168.1.7"). Throws TW_ERR_AUTH_BAD_IP_RULE. */
export function parseIpRule(text: string, field = 'rule'): IpRule {
  const bad = (why: string): AccountError => new AccountError(AccountErrorKind.BadIpRule, `${field} ${JSON.stringify(text)}: ${why}`, field);
  if (typeof text !== 'string' || text.trim() === '') throw bad('empty');
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const address = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const words = new Uint32Array(4);
  if (!parseAddress(address, words)) throw bad('not an IPv4 or IPv6 address');
  const isV4 = address.indexOf(':') < 0;
  const maxBits = isV4 ? 32 : 128;
  let prefixBits = maxBits;
  if (slash >= 0) {
    const prefix = trimmed.slice(slash + 1);
    if (!PREFIX.test(prefix) || Number(prefix) > maxBits) throw bad(`the prefix must be 0..${maxBits}`);
    prefixBits = Number(prefix);
  }
  // IPv4 rules live in the mapped range: their prefix counts from bit 96.
  if (isV4) prefixBits += 96;
  for (let w = 0; w < 4; w++) {
    const masked = (words[w] & wordMask(prefixBits - 32 * w)) >>> 0;
    if (masked !== words[w]) throw bad('host bits are set past the prefix (write the network address)');
  }
  return { text, words, prefixBits };
}

export class IpRules {
  /** Refusals by code: TW_ERR_AUTH_IP_DENIED, TW_ERR_AUTH_BAD_IP. */
  readonly refused: RefusalCounts = newRefusalCounts();
  readonly allow: readonly IpRule[];
  readonly deny: readonly IpRule[];
  /** Reused for each check: parsing an address allocates no words. */
  private readonly scratch = new Uint32Array(4);

  /** Throws TW_ERR_AUTH_BAD_IP_RULE naming the first bad rule (`allow[2]`, `deny[0]`). */
  constructor(options: IpRulesOptions = {}) {
    this.allow = (options.allow ?? []).map((text, i) => parseIpRule(text, `allow[${i}]`));
    this.deny = (options.deny ?? []).map((text, i) => parseIpRule(text, `deny[${i}]`));
  }

  /** None when the address may connect; IpDenied, or BadIp for something that is not an address. Counted. */
  check(ip: string): AccountErrorKind {
    if (!IpRules.parsePeer(ip, this.scratch)) {
      this.refused.TW_ERR_AUTH_BAD_IP++;
      return AccountErrorKind.BadIp;
    }
    for (const rule of this.deny) {
      if (matches(rule, this.scratch)) {
        this.refused.TW_ERR_AUTH_IP_DENIED++;
        return AccountErrorKind.IpDenied;
      }
    }
    if (this.allow.length === 0) return AccountErrorKind.None;
    for (const rule of this.allow) if (matches(rule, this.scratch)) return AccountErrorKind.None;
    this.refused.TW_ERR_AUTH_IP_DENIED++;
    return AccountErrorKind.IpDenied;
  }

  allows(ip: string): boolean {
    return this.check(ip) === AccountErrorKind.None;
  }

  /** Parses a peer address as a socket reports it (a zone such as %eth0 is dropped). */
  private static parsePeer(ip: string, out: Uint32Array): boolean {
    if (typeof ip !== 'string' || ip.length === 0 || ip.length > 64) return false;
    const at = ip.indexOf('%');
    if (at < 0) return parseAddress(ip, out);
    const address = ip.slice(0, at);
    // A zone (RFC 4007 section 11) is IPv6 only and names an interface: non-empty, plain characters.
    return address.indexOf(':') >= 0 && ZONE.test(ip.slice(at + 1)) && parseAddress(address, out);
  }
}
