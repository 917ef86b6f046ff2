import { isIP } from 'node:net';
import { mulberry32, testSeed } from '../protocol';
import { AccountError, AccountErrorKind } from './errors';
import { IpRules, parseIpRule } from './ip-rules';

function ruleCode(text: string): string {
  try {
    parseIpRule(text);
  } catch (error) {
    expect(error).toBeInstanceOf(AccountError);
    return (error as AccountError).code;
  }
  return 'parsed';
}

describe('IpRules', () => {
  test('no rules allow every address', () => {
    const rules = new IpRules();
    expect(rules.allows('203.0.113.9')).toBe(true);
    expect(rules.allows('2001:db8::1')).toBe(true);
  });

  test('IPv4 CIDR edges: /0, /32, the first and last address of a block, and one past', () => {
    const rules = new IpRules({ allow: ['10.1.2.0/23', '192.0.2.7/32', '198.51.100.0/24'] });
    expect(rules.allows('10.1.2.0')).toBe(true);
    expect(rules.allows('10.1.3.255')).toBe(true);
    expect(rules.allows('10.1.4.0')).toBe(false);
    expect(rules.allows('10.1.1.255')).toBe(false);
    expect(rules.allows('192.0.2.7')).toBe(true);
    expect(rules.allows('192.0.2.8')).toBe(false);
    expect(new IpRules({ allow: ['0.0.0.0/0'] }).allows('255.255.255.255')).toBe(true);
    // 0.0.0.0/0 is every IPv4 address, not every address.
    expect(new IpRules({ allow: ['0.0.0.0/0'] }).allows('2001:db8::1')).toBe(false);
    expect(rules.refused.TW_ERR_AUTH_IP_DENIED).toBe(3);
  });

  test('IPv4-mapped IPv6 peers match IPv4 rules, dotted or hex, and IPv6 rules over the mapped range match IPv4 peers', () => {
    const rules = new IpRules({ allow: ['127.0.0.0/8'] });
    expect(rules.allows('::ffff:127.0.0.1')).toBe(true);
    expect(rules.allows('::FFFF:7f00:1')).toBe(true);
    expect(rules.allows('0:0:0:0:0:ffff:127.0.0.1')).toBe(true);
    expect(rules.allows('::ffff:128.0.0.1')).toBe(false);
    // ::127.0.0.1 (IPv4-compatible, deprecated) is not the mapped form.
    expect(rules.allows('::127.0.0.1')).toBe(false);
    const mapped = new IpRules({ deny: ['::ffff:10.0.0.0/104'] });
    expect(mapped.allows('10.200.0.1')).toBe(false);
    expect(mapped.allows('11.0.0.1')).toBe(true);
  });

  test('IPv6: compressed forms, /0, /128, /64 edges, zones dropped', () => {
    const rules = new IpRules({ allow: ['2001:db8:abcd:12::/64', '::1/128'] });
    expect(rules.allows('2001:db8:abcd:12::')).toBe(true);
    expect(rules.allows('2001:db8:abcd:12:ffff:ffff:ffff:ffff')).toBe(true);
    expect(rules.allows('2001:0db8:abcd:0012:0000:0000:0000:0001')).toBe(true);
    expect(rules.allows('2001:db8:abcd:13::')).toBe(false);
    expect(rules.allows('::1')).toBe(true);
    expect(rules.allows('::2')).toBe(false);
    expect(new IpRules({ allow: ['fe80::/10'] }).allows('fe80::1%eth0')).toBe(true);
    // ::/0 is every address, IPv4 ones included (they are mapped into it).
    expect(new IpRules({ deny: ['::/0'] }).allows('1.2.3.4')).toBe(false);
  });

  test('deny wins over allow', () => {
    const rules = new IpRules({ allow: ['10.0.0.0/8', '2001:db8::/32'], deny: ['10.9.0.0/16', '2001:db8:bad::/48'] });
    expect(rules.allows('10.8.1.1')).toBe(true);
    expect(rules.check('10.9.1.1')).toBe(AccountErrorKind.IpDenied);
    expect(rules.allows('2001:db8:bad::1')).toBe(false);
    expect(rules.allows('2001:db8:bae::1')).toBe(true);
    expect(new IpRules({ allow: ['1.2.3.4'], deny: ['1.2.3.4'] }).allows('1.2.3.4')).toBe(false);
  });

  test('bad rules throw TW_ERR_AUTH_BAD_IP_RULE naming the rule; bad peer addresses are refused and counted', () => {
    for (const bad of ['', ' ', '10.0.0.0/33', '10.0.0.1/8', '256.0.0.1', '1.2.3', '01.2.3.4', '1.2.3.4/', '1.2.3.4/08', '::1/129', '1::2::3', 'gggg::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8:9', 'localhost', '[::1]', '2001:db8::/31x', '::ffff:1.2.3.256']) {
      expect([bad, ruleCode(bad)]).toEqual([bad, 'TW_ERR_AUTH_BAD_IP_RULE']);
    }
    expect(ruleCode('1:2:3:4:5:6:7::')).toBe('parsed');
    expect(ruleCode('::')).toBe('parsed');
    expect(() => new IpRules({ allow: ['10.0.0.0/8'], deny: ['10.0.0.0/8', 'nope'] })).toThrow(/deny\[1\]/);
    const rules = new IpRules({ allow: ['10.0.0.0/8'] });
    expect(rules.check('not an ip')).toBe(AccountErrorKind.BadIp);
    expect(rules.check(undefined as unknown as string)).toBe(AccountErrorKind.BadIp);
    expect(rules.refused.TW_ERR_AUTH_BAD_IP).toBe(2);
  });

  test('the parser agrees with node:net on which texts are addresses, for generated and mutated addresses (seeded)', () => {
    const seed = testSeed();
    const rand = mulberry32(seed);
    const pick = (n: number): number => Math.floor(rand() * n);
    const rules = new IpRules();
    const chars = '0123456789abcdefABCDEF:.%g/ ';
    const ipv4 = (): string => [pick(256), pick(256), pick(256), pick(256)].join('.');
    const ipv6 = (): string => {
      const groups = Array.from({ length: 8 }, () => (rand() < 0.4 ? '0' : pick(0x10000).toString(16)));
      if (rand() < 0.3) groups.splice(6, 2, ipv4());
      let text = groups.join(':');
      if (rand() < 0.6) {
        // Compress a random run of groups with "::" (valid or not: node:net is the judge).
        const from = pick(groups.length);
        const to = from + pick(groups.length - from + 1);
        text = `${groups.slice(0, from).join(':')}::${groups.slice(to).join(':')}`;
      }
      return text;
    };
    let valid = 0;
    for (let i = 0; i < 20_000; i++) {
      let text = rand() < 0.3 ? ipv4() : ipv6();
      if (rand() < 0.3) {
        const at = pick(text.length + 1);
        text = text.slice(0, at) + chars[pick(chars.length)] + text.slice(at + (rand() < 0.5 ? 1 : 0));
      }
      // Zones are ours to drop; node:net's isIP also accepts them on IPv6 only.
      const ours = rules.check(text) === AccountErrorKind.None;
      const node = isIP(text) !== 0;
      if (ours !== node) throw new Error(`TW_SEED=${seed}: ${JSON.stringify(text)} ours=${ours} node:net=${node}`);
      if (ours) valid++;
    }
    expect(valid).toBeGreaterThan(5000);
  });
});
