import fc from 'fast-check';
import { propertyOptions } from '../test/support/property';
import { CLIENT_TOKEN_MAX, CommandBuffer } from './command';
import { TOKEN_KEY_WORDS, TokenTable, tokenKeyText } from './token-table';

describe('TokenTable', () => {
  test('agrees with a Set of (owner, token) strings over adds and lookups, across growth (property test)', () => {
    // A small alphabet and short tokens make repeats (duplicates) common; a few long ones
    // cover the key's second half (bytes 32..47 of the record).
    const token = fc.oneof(
      { weight: 4, arbitrary: fc.stringMatching(/^[ab1]{1,3}$/) },
      { weight: 1, arbitrary: fc.stringMatching(new RegExp(`^[a-zA-Z0-9]{14,${CLIENT_TOKEN_MAX}}$`)) },
    );
    const op = fc.record({ add: fc.boolean(), owner: fc.integer({ min: 1, max: 4 }), token });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000, size: 'max' }), (ops) => {
        const table = new TokenTable(4);
        const model = new Set<string>();
        const cmds = new CommandBuffer(1);
        // Garbage left in the record by the previous command must not reach the key.
        cmds.u8.fill(0x7a);
        const key = new Uint32Array(TOKEN_KEY_WORDS);
        ops.forEach(({ add, owner, token }, i) => {
          cmds.writeToken(0, token);
          expect(cmds.tokenKey(0, key, 0)).toBe(token.length);
          expect(tokenKeyText(key, 0)).toBe(token);
          const name = `${owner}/${token}`;
          if (add) {
            const added = table.add(owner, key, 0);
            if (added === model.has(name)) throw new Error(`step ${i}: add(${name}) gave ${added}`);
            model.add(name);
          } else if (table.has(owner, key, 0) !== model.has(name)) {
            throw new Error(`step ${i}: has(${name}) disagrees`);
          }
          cmds.u8.fill(0x7a);
        });
        expect(table.size).toBe(model.size);
        const listed: string[] = [];
        table.forEach((owner, keys, at) => listed.push(`${owner}/${tokenKeyText(keys, at)}`));
        expect(listed.sort()).toEqual([...model].sort());
        expect(table.capacity).toBeGreaterThanOrEqual(model.size * 2);
      }),
      propertyOptions(100),
    );
  });

  test('grows by doubling and keeps every key; the token length is part of the key', () => {
    const table = new TokenTable(1);
    const cmds = new CommandBuffer(1);
    const key = new Uint32Array(TOKEN_KEY_WORDS);
    const start = table.capacity;
    for (let i = 0; i < 10_000; i++) {
      cmds.writeToken(0, `id${i}`);
      cmds.tokenKey(0, key, 0);
      expect(table.add(7, key, 0)).toBe(true);
    }
    expect(table.size).toBe(10_000);
    expect(Math.log2(table.capacity / start) % 1).toBe(0);
    for (let i = 0; i < 10_000; i++) {
      cmds.writeToken(0, `id${i}`);
      cmds.tokenKey(0, key, 0);
      expect(table.add(7, key, 0)).toBe(false);
      expect(table.has(8, key, 0)).toBe(false);
    }
    // 'id1' and 'id1\0' differ (a string set tells them apart too).
    cmds.writeToken(0, 'id1\u0000');
    expect(cmds.tokenKey(0, key, 0)).toBe(4);
    expect(table.has(7, key, 0)).toBe(false);
  });

  test('a length byte out of range is a bad token', () => {
    const cmds = new CommandBuffer(1);
    const key = new Uint32Array(TOKEN_KEY_WORDS);
    cmds.writeToken(0, 'x');
    cmds.u8[1] = 0;
    expect(cmds.tokenKey(0, key, 0)).toBe(0);
    cmds.u8[1] = CLIENT_TOKEN_MAX + 1;
    expect(cmds.tokenKey(0, key, 0)).toBe(0);
  });
});
