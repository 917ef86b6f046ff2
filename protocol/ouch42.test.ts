import {
  decodeOuchInbound,
  decodeOuchOutbound,
  encodeOuchAccepted,
  encodeOuchCanceled,
  encodeOuchCancelOrder,
  encodeOuchEnterOrder,
  encodeOuchExecuted,
  encodeOuchRejected,
  encodeOuchReplaced,
  encodeOuchReplaceOrder,
  encodeOuchSystemEvent,
  OuchDecode,
  OuchInbound,
  OuchLength,
  type OuchOrderView,
} from './ouch42';

const hex = (b: Uint8Array, n: number): string => Buffer.from(b.subarray(0, n)).toString('hex');
const ascii = (s: string): string => Buffer.from(s, 'latin1').toString('hex');
const u32 = (v: number): string => v.toString(16).padStart(8, '0');
const u64 = (v: number): string => v.toString(16).padStart(16, '0');

describe('OUCH 4.2 messages, byte for byte', () => {
  test('Enter Order: 49 bytes, token 14, side, shares, stock 8, price, TIF, firm 4, display, capacity, ISE, min qty, cross type, customer type', () => {
    const b = new Uint8Array(64);
    const n = encodeOuchEnterOrder(b, 0, { token: 'ORD1', side: 'B', shares: 100, stock: 'AAPL', price: 1_923_400, timeInForce: 99_999, firm: 'TWX' });
    expect(n).toBe(OuchLength.EnterOrder);
    expect(hex(b, n)).toBe(
      ascii('O') + ascii('ORD1          ') + ascii('B') + u32(100) + ascii('AAPL    ') + u32(1_923_400) + u32(99_999) + ascii('TWX ') + ascii('Y') + ascii('P') + ascii('N') + u32(0) + ascii('N') + ascii(' '),
    );
    const m = new OuchInbound();
    expect(decodeOuchInbound(b, 0, n, m)).toBe(OuchDecode.Ok);
    expect(m).toMatchObject({ type: 0x4f, token: 'ORD1', side: 0x42, shares: 100, stock: 'AAPL', price: 1_923_400, timeInForce: 99_999, firm: 'TWX', display: 0x59, capacity: 0x50, intermarketSweep: 0x4e, minimumQuantity: 0, crossType: 0x4e, customerType: 0x20 });
  });

  test('Replace Order (47) and Cancel Order (19)', () => {
    const b = new Uint8Array(64);
    let n = encodeOuchReplaceOrder(b, 0, { existingToken: 'ORD1', replacementToken: 'ORD2', shares: 50, price: 1_900_000, timeInForce: 99_999 });
    expect(n).toBe(47);
    expect(hex(b, n)).toBe(ascii('U') + ascii('ORD1          ') + ascii('ORD2          ') + u32(50) + u32(1_900_000) + u32(99_999) + ascii('Y') + ascii('N') + u32(0));
    const m = new OuchInbound();
    expect(decodeOuchInbound(b, 0, n, m)).toBe(OuchDecode.Ok);
    expect(m).toMatchObject({ existingToken: 'ORD1', token: 'ORD2', shares: 50, price: 1_900_000 });
    n = encodeOuchCancelOrder(b, 0, 'ORD2', 0);
    expect(hex(b, n)).toBe(ascii('X') + ascii('ORD2          ') + u32(0));
    expect(decodeOuchInbound(b, 0, n, m)).toBe(OuchDecode.Ok);
    expect(m).toMatchObject({ type: 0x58, token: 'ORD2', shares: 0 });
  });

  test('bad lengths and unknown types are codes, never throws', () => {
    const b = new Uint8Array(64);
    const m = new OuchInbound();
    const n = encodeOuchEnterOrder(b, 0, { token: 'T', side: 'S', shares: 1, stock: 'A', price: 1, timeInForce: 0 });
    expect(decodeOuchInbound(b, 0, n - 1, m)).toBe(OuchDecode.BadLength);
    expect(decodeOuchInbound(b, 0, 0, m)).toBe(OuchDecode.BadLength);
    b[0] = 0x51;
    expect(decodeOuchInbound(b, 0, n, m)).toBe(OuchDecode.UnknownType);
  });

  const view: OuchOrderView = {
    token: 'ORD1',
    side: 0x42,
    shares: 100,
    stock: 'AAPL',
    price: 1_923_400,
    timeInForce: 99_999,
    firm: 'TWX',
    display: 0x59,
    orderRef: 77,
    capacity: 0x50,
    intermarketSweep: 0x4e,
    minimumQuantity: 0,
    crossType: 0x4e,
    orderState: 0x4c,
    bboWeight: 0x20,
  };
  const ts = 34_200_000_000_123;

  test('System Event (10) and Accepted (66): timestamp u64 ns since midnight', () => {
    const b = new Uint8Array(128);
    let n = encodeOuchSystemEvent(b, 0, ts, 0x53);
    expect(hex(b, n)).toBe(ascii('S') + u64(ts) + ascii('S'));
    n = encodeOuchAccepted(b, 0, ts, view);
    expect(n).toBe(66);
    expect(hex(b, n)).toBe(
      ascii('A') + u64(ts) + ascii('ORD1          ') + ascii('B') + u32(100) + ascii('AAPL    ') + u32(1_923_400) + u32(99_999) + ascii('TWX ') + ascii('Y') + u64(77) + ascii('P') + ascii('N') + u32(0) + ascii('N') + ascii('L') + ascii(' '),
    );
    expect(decodeOuchOutbound(b, 0, n)).toMatchObject({ type: 'A', timestampNs: ts, token: 'ORD1', side: 'B', shares: 100, stock: 'AAPL', orderRef: 77, orderState: 'L' });
  });

  test('Replaced (80), Canceled (28), Executed (40), Rejected (24)', () => {
    const b = new Uint8Array(128);
    let n = encodeOuchReplaced(b, 0, ts, { ...view, token: 'ORD2' }, 'ORD1');
    expect(n).toBe(80);
    expect(hex(b, n).slice(0, 2)).toBe(ascii('U'));
    expect(hex(b, n).slice(130, 158)).toBe(ascii('ORD1          '));
    expect(decodeOuchOutbound(b, 0, n)).toMatchObject({ type: 'U', token: 'ORD2', previousToken: 'ORD1' });
    n = encodeOuchCanceled(b, 0, ts, 'ORD2', 40, 0x55);
    expect(hex(b, n)).toBe(ascii('C') + u64(ts) + ascii('ORD2          ') + u32(40) + ascii('U'));
    n = encodeOuchExecuted(b, 0, ts, 'ORD2', 10, 1_923_400, 0x41, 9);
    expect(hex(b, n)).toBe(ascii('E') + u64(ts) + ascii('ORD2          ') + u32(10) + u32(1_923_400) + ascii('A') + u64(9));
    expect(decodeOuchOutbound(b, 0, n)).toEqual({ type: 'E', timestampNs: ts, token: 'ORD2', shares: 10, price: 1_923_400, liquidity: 'A', matchNumber: 9 });
    n = encodeOuchRejected(b, 0, ts, 'ORD3', 0x53);
    expect(hex(b, n)).toBe(ascii('J') + u64(ts) + ascii('ORD3          ') + ascii('S'));
    expect(decodeOuchOutbound(b, 0, n - 1)).toBeNull();
  });
});
