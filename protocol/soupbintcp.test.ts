import fc from 'fast-check';
import { propertyOptions } from '../test/support/property';
import { Fault } from './errors';
import {
  encodeSoupDebug,
  encodeSoupEmpty,
  encodeSoupLoginAccepted,
  encodeSoupLoginRejected,
  encodeSoupLoginRequest,
  encodeSoupSequencedData,
  encodeSoupUnsequencedData,
  SoupBinHandlerBase,
  SoupBinStreamDecoder,
  SoupRejectReason,
  SoupType,
} from './soupbintcp';

function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}
function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
const ascii = (s: string) => Buffer.from(s, 'latin1').toString('hex');

/** Records every event as a line of text. */
class Record extends SoupBinHandlerBase {
  events: string[] = [];
  override onLoginRequest(u: string, p: string, s: string, q: number) { this.events.push(`L ${u}/${p}/${s}/${q}`); }
  override onLoginAccepted(s: string, q: number) { this.events.push(`A ${s}/${q}`); }
  override onLoginRejected(r: number) { this.events.push(`J ${String.fromCharCode(r)}`); }
  override onSequencedData(b: Uint8Array, o: number, n: number) { this.events.push(`S ${toHex(b.subarray(o, o + n))}`); }
  override onUnsequencedData(b: Uint8Array, o: number, n: number) { this.events.push(`U ${toHex(b.subarray(o, o + n))}`); }
  override onServerHeartbeat() { this.events.push('H'); }
  override onClientHeartbeat() { this.events.push('R'); }
  override onEndOfSession() { this.events.push('Z'); }
  override onLogout() { this.events.push('O'); }
  override onDebug(t: string) { this.events.push(`+ ${t}`); }
  override onFault(f: number, at: number) { this.events.push(`fault ${f} @${at}`); }
}

describe('SoupBinTCP 4.0 frames (FEED.md, Snapshot)', () => {
  test('login request: length 47, L, username 6, password 10, session 10, sequence 20', () => {
    const b = new Uint8Array(64);
    expect(encodeSoupLoginRequest(b, 0, 'alice', 'secret', 'TICKWIRE01', 1234)).toBe(49);
    expect(toHex(b.subarray(0, 49))).toBe(
      '002f4c' + ascii('alice ') + ascii('secret    ') + ascii('TICKWIRE01') + ascii(' '.repeat(16) + '1234'),
    );
  });

  test('login accepted, login rejected and the empty frames', () => {
    const b = new Uint8Array(64);
    expect(encodeSoupLoginAccepted(b, 0, 'TICKWIRE01', 1)).toBe(33);
    expect(toHex(b.subarray(0, 33))).toBe('001f41' + ascii('TICKWIRE01') + ascii(' '.repeat(19) + '1'));
    expect(toHex(b.subarray(0, encodeSoupLoginRejected(b, 0, SoupRejectReason.SessionUnavailable)))).toBe('00024a53');
    expect(toHex(b.subarray(0, encodeSoupEmpty(b, 0, SoupType.ServerHeartbeat)))).toBe('000148');
    expect(toHex(b.subarray(0, encodeSoupEmpty(b, 0, SoupType.ClientHeartbeat)))).toBe('000152');
    expect(toHex(b.subarray(0, encodeSoupEmpty(b, 0, SoupType.EndOfSession)))).toBe('00015a');
    expect(toHex(b.subarray(0, encodeSoupEmpty(b, 0, SoupType.LogoutRequest)))).toBe('00014f');
    expect(toHex(b.subarray(0, encodeSoupSequencedData(b, 0, hex('aabbcc'), 0, 3)))).toBe('000453aabbcc');
  });

  const stream = (() => {
    const b = new Uint8Array(400);
    let o = 0;
    o = encodeSoupLoginRequest(b, o, 'alice', 'secret', '', 0);
    o = encodeSoupLoginAccepted(b, o, 'TICKWIRE01', 77);
    o = encodeSoupSequencedData(b, o, hex('44000100000000000000050000000000000009'), 0, 19);
    o = encodeSoupUnsequencedData(b, o, hex('0102'), 0, 2);
    o = encodeSoupEmpty(b, o, SoupType.ServerHeartbeat);
    o = encodeSoupEmpty(b, o, SoupType.ClientHeartbeat);
    o = encodeSoupDebug(b, o, 'hello');
    o = encodeSoupLoginRejected(b, o, SoupRejectReason.NotAuthorized);
    o = encodeSoupEmpty(b, o, SoupType.EndOfSession);
    o = encodeSoupEmpty(b, o, SoupType.LogoutRequest);
    return b.slice(0, o);
  })();
  const expected = [
    'L alice/secret//0',
    'A TICKWIRE01/77',
    'S 44000100000000000000050000000000000009',
    'U 0102',
    'H',
    'R',
    '+ hello',
    'J A',
    'Z',
    'O',
  ];

  test('the stream decoder reads every frame type from one read', () => {
    const r = new Record();
    new SoupBinStreamDecoder(r).push(stream);
    expect(r.events).toEqual(expected);
  });

  test('frames split across reads at random places decode the same', () => {
    // Read sizes of 1 to 40 bytes, used in turn until the stream is consumed; the first
    // example is the worst case, one byte per read.
    const readSizes = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 200 });
    fc.assert(
      fc.property(readSizes, (sizes) => {
        const r = new Record();
        const d = new SoupBinStreamDecoder(r);
        let o = 0;
        for (let i = 0; o < stream.length; i++) {
          const n = sizes[i % sizes.length];
          d.push(stream.subarray(o, Math.min(stream.length, o + n)));
          o += n;
        }
        expect(r.events).toEqual(expected);
        expect(d.pendingBytes).toBe(0);
      }),
      propertyOptions(200, { examples: [[[1]]] }),
    );
  });

  test('bad frames are reported with their stream offset and skipped', () => {
    const r = new Record();
    const d = new SoupBinStreamDecoder(r);
    // unknown type 'q'; a zero-length frame; a heartbeat with a payload; a login accepted with letters for digits; a good heartbeat
    d.push(hex('000171 0000 00024800 001f41' + ascii('TICKWIRE01') + ascii(' '.repeat(18) + 'x1') + ' 000148'));
    expect(r.events).toEqual([
      `fault ${Fault.SoupUnknownType} @2`,
      `fault ${Fault.SoupBadLength} @3`,
      `fault ${Fault.SoupBadLength} @5`,
      `fault ${Fault.SoupBadField} @22`,
      'H',
    ]);
    expect(d.faults).toBe(4);
  });

  test('a frame over the decoder\'s limit is one fault and halts it; halt() stops the rest of a read', () => {
    const r = new Record();
    const d = new SoupBinStreamDecoder(r, 64);
    d.push(hex('000148 0100' + '00'.repeat(10) + ' 000148'));
    expect(r.events).toEqual(['H', `fault ${Fault.SoupBadLength} @3`]);
    expect(d.halted).toBe(true);
    d.push(hex('000148'));
    expect(r.events).toHaveLength(2);

    // Split across reads: the length field alone is enough to refuse it.
    const s = new Record();
    const split = new SoupBinStreamDecoder(s, 64);
    split.push(hex('01'));
    split.push(hex('00aa'));
    expect(s.events).toEqual([`fault ${Fault.SoupBadLength} @0`]);

    class Stopper extends Record {
      constructor(private readonly decoder: () => SoupBinStreamDecoder) {
        super();
      }
      override onLogout() {
        super.onLogout();
        this.decoder().halt();
      }
    }
    let dec: SoupBinStreamDecoder | null = null;
    const t = new Stopper(() => dec as SoupBinStreamDecoder);
    dec = new SoupBinStreamDecoder(t);
    dec.push(hex('000152 00014f 000152'));
    expect(t.events).toEqual(['R', 'O']);
  });
});
