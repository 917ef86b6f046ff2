import * as path from 'node:path';
import * as fs from 'node:fs';
import fc from 'fast-check';
import { propertyOptions } from '../test/support/property';
import { Fault, faultName } from './errors';
import {
  encodeAddOrder,
  encodeAddOrderMpid,
  encodeEndOfSnapshot,
  encodeItch,
  encodeOrderCancel,
  encodeOrderDelete,
  encodeOrderExecuted,
  encodeOrderExecutedWithPrice,
  encodeOrderReplace,
  encodeStockDirectory,
  encodeStockTradingAction,
  encodeSystemEvent,
  encodeTrade,
} from './itch-encoder';
import { decodeItch, ITCH_IGNORED } from './itch-decoder';
import { formatPrice4, ItchMessage, ItchType, itchLengthOfType } from './itch-messages';
import { ItchFileReader, readItchFile } from './itch-file-reader';

/** Hex with spaces between fields, as written out from FEED.md's table. */
function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}
function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

// Common header: locate 1, tracking 2, timestamp 34,200,000,000,123 ns (09:30:00.000000123).
const TS = 34_200_000_000_123;
const HDR = '0001 0002 1f1aced9f07b';
const REF = 4_294_967_298; // 0x0000000100000002: exercises the high word
const REF_HEX = '0000000100000002';
const AAPL = '4141504c20202020'; // "AAPL    "
const PRICE = 1_923_400; // 192.3400 = 0x001d5948
const MATCH = 123_456_789_012; // 0x0000001cbe991a14

const GOLDEN: Record<string, string> = {
  S: `53 0000 0002 1f1aced9f07b 51`,
  R: `52 ${HDR} ${AAPL} 51 4e 00000064 4e 43 5a20 50 4e 4e 31 4e 00000000 4e`,
  H: `48 ${HDR} ${AAPL} 54 20 20202020`,
  A: `41 ${HDR} ${REF_HEX} 42 00000064 ${AAPL} 001d5948`,
  F: `46 ${HDR} ${REF_HEX} 53 00000064 ${AAPL} 001d5948 4753434f`,
  E: `45 ${HDR} ${REF_HEX} 00000032 0000001cbe991a14`,
  C: `43 ${HDR} ${REF_HEX} 00000032 0000001cbe991a14 59 001d5a10`,
  X: `58 ${HDR} ${REF_HEX} 0000000a`,
  D: `44 ${HDR} ${REF_HEX}`,
  U: `55 ${HDR} ${REF_HEX} 0000000100000003 000000c8 001d5a10`,
  P: `50 ${HDR} 0000000000000000 42 00000064 ${AAPL} 001d5948 0000001cbe991a14`,
  G: `47 0000 0002 1f1aced9f07b 3132333435 ${'20'.repeat(15)}`,
};

function encodeGolden(type: string, b: Uint8Array): number {
  switch (type) {
    case 'S': return encodeSystemEvent(b, 0, 2, TS, 0x51);
    case 'R':
      return encodeStockDirectory(b, 0, 1, 2, TS, 'AAPL', {
        marketCategory: 0x51, financialStatus: 0x4e, roundLotSize: 100, roundLotsOnly: 0x4e, issueClassification: 0x43,
        issueSubType: 'Z', authenticity: 0x50, shortSaleThreshold: 0x4e, ipoFlag: 0x4e, luldTier: 0x31, etpFlag: 0x4e,
        etpLeverage: 0, inverse: 0x4e,
      });
    case 'H': return encodeStockTradingAction(b, 0, 1, 2, TS, 'AAPL', 0x54, '');
    case 'A': return encodeAddOrder(b, 0, 1, 2, TS, REF, 0x42, 100, 'AAPL', PRICE);
    case 'F': return encodeAddOrderMpid(b, 0, 1, 2, TS, REF, 0x53, 100, 'AAPL', PRICE, 'GSCO');
    case 'E': return encodeOrderExecuted(b, 0, 1, 2, TS, REF, 50, MATCH);
    case 'C': return encodeOrderExecutedWithPrice(b, 0, 1, 2, TS, REF, 50, MATCH, true, PRICE + 200);
    case 'X': return encodeOrderCancel(b, 0, 1, 2, TS, REF, 10);
    case 'D': return encodeOrderDelete(b, 0, 1, 2, TS, REF);
    case 'U': return encodeOrderReplace(b, 0, 1, 2, TS, REF, REF + 1, 200, PRICE + 200);
    case 'P': return encodeTrade(b, 0, 1, 2, TS, 0, 0x42, 100, 'AAPL', PRICE, MATCH);
    case 'G': return encodeEndOfSnapshot(b, 0, 2, TS, 12345);
    default: throw new Error(type);
  }
}

describe('ITCH 5.0 golden bytes (FEED.md table)', () => {
  for (const type of Object.keys(GOLDEN)) {
    const golden = hex(GOLDEN[type]);

    test(`${type} encodes to the spec's bytes and its fixed length`, () => {
      const b = new Uint8Array(64).fill(0xee);
      const end = encodeGolden(type, b);
      expect(end).toBe(itchLengthOfType(type.charCodeAt(0)));
      expect(golden.length).toBe(end);
      expect(toHex(b.subarray(0, end))).toBe(toHex(golden));
      expect(b[end]).toBe(0xee); // nothing written past the message
    });

    test(`${type} decodes from the spec's bytes and re-encodes identically`, () => {
      const m = new ItchMessage();
      // Decode at a non-zero offset inside a larger buffer: decoding is in place.
      const buf = new Uint8Array(golden.length + 7);
      buf.set(golden, 5);
      expect(decodeItch(buf, 5, golden.length, m)).toBe(0);
      expect(String.fromCharCode(m.type)).toBe(type);
      expect(m.tracking).toBe(2);
      expect(m.timestampNs).toBe(TS);
      const out = new Uint8Array(64);
      expect(encodeItch(m, out, 3)).toBe(3 + golden.length);
      expect(toHex(out.subarray(3, 3 + golden.length))).toBe(toHex(golden));
    });
  }

  test('decoded fields carry the values the golden bytes spell', () => {
    const m = new ItchMessage();
    decodeItch(hex(GOLDEN.F), 0, 40, m);
    expect([m.locate, m.orderRef, String.fromCharCode(m.side), m.shares, m.stock(), m.price, m.mpid()]).toEqual([1, REF, 'S', 100, 'AAPL', PRICE, 'GSCO']);
    decodeItch(hex(GOLDEN.C), 0, 36, m);
    expect([m.orderRef, m.shares, m.matchNumber, String.fromCharCode(m.printable), m.price]).toEqual([REF, 50, MATCH, 'Y', PRICE + 200]);
    decodeItch(hex(GOLDEN.U), 0, 35, m);
    expect([m.orderRef, m.newRef, m.shares, m.price]).toEqual([REF, REF + 1, 200, PRICE + 200]);
    decodeItch(hex(GOLDEN.P), 0, 44, m);
    expect([m.orderRef, m.shares, m.stock(), m.price, m.matchNumber]).toEqual([0, 100, 'AAPL', PRICE, MATCH]);
    decodeItch(hex(GOLDEN.R), 0, 39, m);
    expect([m.locate, m.stock(), m.roundLotSize, m.issueSubType, m.luldTier]).toEqual([1, 'AAPL', 100, 0x5a20, 0x31]);
    decodeItch(hex(GOLDEN.H), 0, 25, m);
    expect([m.stock(), String.fromCharCode(m.tradingState), m.reasonText()]).toEqual(['AAPL', 'T', '']);
    decodeItch(hex(GOLDEN.G), 0, 31, m);
    expect(m.snapshotSequence).toBe(12345);
    expect(formatPrice4(PRICE)).toBe('192.3400');
    expect(formatPrice4(100)).toBe('0.0100');
  });
});

describe('ITCH 5.0 bad input: a fault code and offset, never a throw', () => {
  const m = new ItchMessage();

  test('a message cut short is truncated', () => {
    const a = hex(GOLDEN.A);
    expect(decodeItch(a.subarray(0, 30), 0, 36, m)).toBe(Fault.Truncated);
    expect(decodeItch(a, 0, 30, m)).toBe(Fault.Truncated);
    expect(decodeItch(a, 36, 1, m)).toBe(Fault.Truncated);
  });

  test('an unknown type is reported at its offset', () => {
    const b = hex('00 7a 0001');
    expect(decodeItch(b, 1, 3, m)).toBe(Fault.UnknownType);
    expect(m.faultOffset).toBe(1);
    expect(faultName(Fault.UnknownType)).toBe('TW_ERR_UNKNOWN_TYPE');
  });

  test('a length that disagrees with the type is a mismatch', () => {
    const a = new Uint8Array(40);
    a.set(hex(GOLDEN.A));
    expect(decodeItch(a, 0, 40, m)).toBe(Fault.LengthMismatch);
  });

  test('a price over 200,000.0000 is refused with the price field offset', () => {
    const a = hex(GOLDEN.A);
    a.set(hex('77359401'), 32); // 2,000,000,001
    expect(decodeItch(a, 0, 36, m)).toBe(Fault.PriceOverMax);
    expect(m.faultOffset).toBe(32);
    a.set(hex('77359400'), 32); // exactly the maximum is fine
    expect(decodeItch(a, 0, 36, m)).toBe(0);
  });

  test('bad side, bad printable and order refs of 2^53 or more are refused', () => {
    const a = hex(GOLDEN.A);
    a[19] = 0x58;
    expect(decodeItch(a, 0, 36, m)).toBe(Fault.BadSide);
    const c = hex(GOLDEN.C);
    c[31] = 0x20;
    expect(decodeItch(c, 0, 36, m)).toBe(Fault.BadPrintable);
    const d = hex(GOLDEN.D);
    d.set(hex('0020000000000000'), 11);
    expect(decodeItch(d, 0, 19, m)).toBe(Fault.U64OverSafe);
    d.set(hex('001fffffffffffff'), 11);
    expect(decodeItch(d, 0, 19, m)).toBe(0);
    expect(m.orderRef).toBe(Number.MAX_SAFE_INTEGER);
  });

  test('other ITCH 5.0 types are skipped by length, not faulted', () => {
    const b = new Uint8Array(20);
    b[0] = 0x59; // 'Y' Reg SHO, 20 bytes
    expect(decodeItch(b, 0, 20, m)).toBe(ITCH_IGNORED);
  });
});

describe('ITCH 5.0 round trip (property)', () => {
  const u16 = fc.integer({ min: 0, max: 65535 });
  const u32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
  const u64 = fc.integer({ min: 0, max: 2 ** 53 - 1 }); // the decoder refuses refs of 2^53 or more
  const message = fc.record({
    type: fc.constantFrom(...[...'SRHAFECXDUPG'].map((c) => c.charCodeAt(0))),
    locate: u16,
    tracking: u16,
    timestampNs: fc.integer({ min: 0, max: 86_400 * 1e9 - 1 }),
    letter: fc.integer({ min: 0, max: 25 }),
    roundLotSize: u32,
    etpLeverage: u32,
    orderRef: u64,
    newRef: u64,
    side: fc.constantFrom(0x42, 0x53),
    shares: u32,
    price: fc.integer({ min: 0, max: 2_000_000_000 }),
    matchNumber: u64,
    printable: fc.constantFrom(0x59, 0x4e),
    snapshotSequence: u64,
  });

  test('random messages of every type survive encode then decode', () => {
    const m = new ItchMessage();
    const back = new ItchMessage();
    const b = new Uint8Array(64);
    const again = new Uint8Array(64);
    fc.assert(
      fc.property(message, (f) => {
        m.type = f.type;
        m.locate = m.type === ItchType.SystemEvent || m.type === ItchType.EndOfSnapshot ? 0 : f.locate;
        m.tracking = f.tracking;
        m.timestampNs = f.timestampNs;
        m.eventCode = 0x4f;
        m.stockHi = (0x41 + f.letter) * 0x1000000 + 0x202020;
        m.stockLo = 0x20202020;
        m.marketCategory = 0x51;
        m.financialStatus = 0x4e;
        m.roundLotSize = f.roundLotSize;
        m.roundLotsOnly = 0x4e;
        m.issueClassification = 0x43;
        m.issueSubType = 0x5a20;
        m.authenticity = 0x50;
        m.shortSaleThreshold = 0x4e;
        m.ipoFlag = 0x20;
        m.luldTier = 0x32;
        m.etpFlag = 0x4e;
        m.etpLeverage = f.etpLeverage;
        m.inverse = 0x4e;
        m.tradingState = 0x54;
        m.reserved = 0x20;
        m.reason = 0x20202020;
        m.orderRef = f.orderRef;
        m.newRef = f.newRef;
        m.side = f.side;
        m.shares = f.shares;
        m.price = f.price;
        m.matchNumber = f.matchNumber;
        m.printable = f.printable;
        m.attribution = 0x41424344;
        m.snapshotSequence = f.snapshotSequence;
        const end = encodeItch(m, b, 0);
        const status = decodeItch(b, 0, end, back);
        if (status !== 0) throw new Error(`${faultName(status)} decoding type ${String.fromCharCode(m.type)}`);
        expect(back.type).toBe(m.type);
        expect(encodeItch(back, again, 0)).toBe(end);
        expect(toHex(again.subarray(0, end))).toBe(toHex(b.subarray(0, end)));
      }),
      propertyOptions(20_000),
    );
  });
});

describe('the RITCH sample file (real ITCH 5.0, length prefixes written as 0)', () => {
  const file = path.resolve(__dirname, '../test/fixtures/ritch/ex20101224.TEST_ITCH_50');
  const bytes = new Uint8Array(fs.readFileSync(file));

  function decodeAll(chunkSize: number) {
    const m = new ItchMessage();
    const counts: Record<string, number> = {};
    const faults: number[] = [];
    const symbols: string[] = [];
    let firstEvent = '';
    const handler = {
      onMessage(b: Uint8Array, o: number, length: number, fileOffset: number) {
        const status = decodeItch(b, o, length, m);
        if (status !== 0) {
          faults.push(status, fileOffset);
          return;
        }
        const t = String.fromCharCode(m.type);
        counts[t] = (counts[t] ?? 0) + 1;
        if (t === 'S' && firstEvent === '') firstEvent = String.fromCharCode(m.eventCode);
        if (t === 'R') symbols.push(`${m.locate}:${m.stock()}`);
      },
      onFault(fault: number, fileOffset: number) {
        faults.push(fault, fileOffset);
      },
    };
    const reader = new ItchFileReader(handler);
    for (let o = 0; o < bytes.length; o += chunkSize) reader.push(bytes.subarray(o, Math.min(bytes.length, o + chunkSize)));
    reader.end();
    return { counts, faults, symbols, firstEvent, messages: reader.messages, position: reader.position };
  }

  test('all 12,012 messages decode, with the counts by type an independent parse gives', () => {
    const r = decodeAll(bytes.length);
    expect(r.faults).toEqual([]);
    expect(r.messages).toBe(12_012);
    expect(r.position).toBe(465_048);
    expect(r.counts).toEqual({ S: 6, R: 3, H: 3, A: 4997, F: 3, E: 198, D: 1745, P: 5000, U: 12, X: 45 });
    expect(r.symbols).toEqual(['1:ALC', '2:BOB', '3:CHAR']);
    expect(r.firstEvent).toBe('O');
  });

  test('reading in odd-sized chunks frames the same messages', () => {
    const whole = decodeAll(bytes.length);
    for (const size of [1, 7, 4096]) expect(decodeAll(size)).toEqual(whole);
  });

  test('a truncated file reports the cut with its offset and keeps what came before', () => {
    const faults: number[] = [];
    let n = 0;
    readItchFile(bytes.subarray(0, 100), {
      onMessage() { n++; },
      onFault(fault, offset, detail) { faults.push(fault, offset, detail); },
    });
    // S (2+12) then R (2+39) then R (2+39) = 96 bytes framed; 4 bytes of the next left over.
    expect(n).toBe(3);
    expect(faults).toEqual([Fault.Truncated, 96, 4]);
  });

  test('garbage with lost framing is skipped to the next two clean messages', () => {
    const junk = hex('00 00 7a 7a 7a 7a 7a');
    const mixed = new Uint8Array(junk.length + 200);
    mixed.set(bytes.subarray(0, 14), 0); // S
    mixed.set(junk, 14);
    mixed.set(bytes.subarray(14, 14 + 186), 14 + junk.length);
    const faults: number[] = [];
    const types: number[] = [];
    readItchFile(mixed, {
      onMessage(b, o) { types.push(b[o]); },
      onFault(fault, offset, detail) { faults.push(fault, offset, detail); },
    });
    expect(faults.slice(0, 3)).toEqual([Fault.Resync, 14, junk.length]);
    expect(String.fromCharCode(...types.slice(0, 4))).toBe('SRRR');
  });
});
