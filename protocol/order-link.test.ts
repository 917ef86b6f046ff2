import { checkLinkRequest, encodeLinkFrame, LinkFrameDecoder, MAX_LINK_FRAME } from './order-link';

describe('order link frames', () => {
  test('frames split anywhere in the byte stream come out whole and in order', () => {
    const frames = [
      encodeLinkFrame({ t: 'hello', gateway: 'g1', lastSeq: 42 }),
      encodeLinkFrame({ t: 'bal', id: 7, account: 3 }),
      encodeLinkFrame({ t: 'req', req: { kind: 'cancel', requestId: 9, account: 3, orderId: 1234, shares: 0 } }),
    ];
    const bytes = Buffer.concat(frames);
    for (let cut = 1; cut < bytes.length; cut += 7) {
      const d = new LinkFrameDecoder();
      const got: unknown[] = [];
      expect(d.push(bytes.subarray(0, cut), (m) => got.push(m))).toBe('');
      expect(d.push(bytes.subarray(cut), (m) => got.push(m))).toBe('');
      expect(got).toEqual([
        { t: 'hello', gateway: 'g1', lastSeq: 42 },
        { t: 'bal', id: 7, account: 3 },
        { t: 'req', req: { kind: 'cancel', requestId: 9, account: 3, orderId: 1234, shares: 0 } },
      ]);
    }
  });

  test('a bad length, a body that is not JSON, or a message without a kind is refused with the reason', () => {
    const len = (n: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n);
      return b;
    };
    expect(new LinkFrameDecoder().push(len(0), () => undefined)).toMatch(/a frame of 0 bytes/);
    expect(new LinkFrameDecoder().push(len(MAX_LINK_FRAME + 1), () => undefined)).toMatch(/a frame of \d+ bytes/);
    expect(new LinkFrameDecoder().push(Buffer.concat([len(3), Buffer.from('{x}')]), () => undefined)).toMatch(/not JSON/);
    expect(new LinkFrameDecoder().push(Buffer.concat([len(2), Buffer.from('[]')]), () => undefined)).toMatch(/without a message kind/);
    // The good frame before a bad one is still delivered.
    const got: unknown[] = [];
    const bad = new LinkFrameDecoder().push(Buffer.concat([encodeLinkFrame({ t: 'bal', id: 1, account: 1 }), len(0)]), (m) => got.push(m));
    expect(got).toHaveLength(1);
    expect(bad).not.toBe('');
  });
});

describe('checkLinkRequest', () => {
  test('takes each request kind whole and says what is wrong with a bad one', () => {
    const ok = [
      { kind: 'new', requestId: 1, account: 2, clientOrderId: 'a', locate: 1, side: 'B', orderType: 'L', price: 100, shares: 10 },
      { kind: 'cancel', requestId: 1, account: 2, orderId: 5, shares: 0 },
      { kind: 'replace', requestId: 1, account: 2, orderId: 5, clientOrderId: '', price: 100, shares: 10 },
      { kind: 'deposit', requestId: 1, account: 2, locate: 0, amount: 1000 },
      { kind: 'settings', requestId: 1, account: 2, riskClass: 0, allowShort: false, killSwitch: true },
    ];
    for (const r of ok) expect(checkLinkRequest(r)).toBe('');
    expect(checkLinkRequest(null)).toMatch(/not an object/);
    expect(checkLinkRequest({ kind: 'new', account: 2 })).toMatch(/requestId/);
    expect(checkLinkRequest({ ...ok[0], side: 'X' })).toMatch(/side/);
    expect(checkLinkRequest({ ...ok[0], price: -1 })).toMatch(/price/);
    expect(checkLinkRequest({ ...ok[1], orderId: 'x' })).toMatch(/orderId/);
    expect(checkLinkRequest({ ...ok[4], allowShort: 'yes' })).toMatch(/allowShort/);
    expect(checkLinkRequest({ ...ok[3], carried: true })).toMatch(/only the core carries/);
    expect(checkLinkRequest({ ...ok[0], kind: 'teleport' })).toMatch(/unknown kind "teleport"/);
  });
});
