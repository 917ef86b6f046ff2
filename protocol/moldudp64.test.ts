import fc from 'fast-check';
import { propertyOptions } from '../test/support/property';
import { Fault } from './errors';
import { encodeOrderCancel, encodeOrderDelete } from './itch-encoder';
import {
  decodeRetransmissionRequest,
  encodeRetransmissionRequest,
  moldSessionBytes,
  RetransmissionRequest,
} from './moldudp64';
import { MoldUdp64Packetizer, type MoldPacketSink } from './moldudp64-packetizer';
import { MoldPacketKind, MoldUdp64Packet } from './moldudp64-parser';

function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}
function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

const SESSION_TEXT = 'TICKWIRE01';
const SESSION_HEX = '5449434b57495245 3031';

/** Collects copies of every packet sent. */
class Collect implements MoldPacketSink {
  packets: Uint8Array[] = [];
  sendPacket(packet: Uint8Array, length: number): void {
    this.packets.push(packet.slice(0, length));
  }
}

describe('MoldUDP64 packets (FEED.md)', () => {

  test('a packet is session, first sequence, count, then u16-length message blocks', () => {
    const sink = new Collect();
    const p = new MoldUdp64Packetizer(sink, { session: SESSION_TEXT, nextSequence: 7 });
    encodeOrderDelete(p.buffer, p.reserve(19), 1, 0, 5, 9);
    encodeOrderCancel(p.buffer, p.reserve(23), 1, 0, 6, 9, 100);
    expect(sink.packets.length).toBe(0);
    p.flush();
    expect(toHex(sink.packets[0])).toBe(
      toHex(
        hex(
          `${SESSION_HEX} 0000000000000007 0002` +
            ` 0013 44 0001 0000 000000000005 0000000000000009` +
            ` 0017 58 0001 0000 000000000006 0000000000000009 00000064`,
        ),
      ),
    );
    expect(p.nextSequence).toBe(9);
  });

  test('heartbeat has count 0 and end of session 0xFFFF, both at the next expected sequence', () => {
    const sink = new Collect();
    const p = new MoldUdp64Packetizer(sink, { session: 'A', nextSequence: 42 });
    p.heartbeat();
    p.append(new Uint8Array(19), 0, 19);
    p.endOfSession();
    expect(sink.packets.map(toHex)).toEqual([
      `41${'20'.repeat(9)}000000000000002a0000`,
      `41${'20'.repeat(9)}000000000000002a0001` + '0013' + '00'.repeat(19),
      `41${'20'.repeat(9)}000000000000002bffff`,
    ]);
  });

  test('packets fill up to the payload limit and never beyond it', () => {
    const sink = new Collect();
    const p = new MoldUdp64Packetizer(sink, { session: SESSION_TEXT });
    for (let i = 0; i < 1000; i++) p.append(new Uint8Array(36), 0, 36);
    p.flush();
    // (1472 - 20) / 38 = 38 A-sized blocks per packet.
    expect(sink.packets.slice(0, -1).every((k) => k.length === 20 + 38 * 38)).toBe(true);
    expect(sink.packets.length).toBe(Math.ceil(1000 / 38));
    expect(p.nextSequence).toBe(1001);
    expect(() => new MoldUdp64Packetizer(sink, { session: SESSION_TEXT, maxPayloadBytes: 60 }).reserve(50)).toThrow(RangeError);
  });

  test('retransmission request is 20 bytes: session, first sequence, count', () => {
    const b = new Uint8Array(20);
    expect(encodeRetransmissionRequest(b, 0, moldSessionBytes(SESSION_TEXT), 1_000_000, 500)).toBe(20);
    expect(toHex(b)).toBe(toHex(hex(`${SESSION_HEX} 00000000000f4240 01f4`)));
    const r = new RetransmissionRequest();
    expect(decodeRetransmissionRequest(b, 0, 20, r)).toBe(0);
    expect([r.sequence, r.count]).toEqual([1_000_000, 500]);
    expect(decodeRetransmissionRequest(b, 0, 19, r)).toBe(Fault.MoldBadRequest);
  });
});

describe('MoldUDP64 parser', () => {
  // A message of 1 to 50 bytes, now and then followed by a heartbeat (1 in 100).
  const step = fc.record({
    message: fc.uint8Array({ minLength: 1, maxLength: 50 }),
    heartbeat: fc.oneof({ arbitrary: fc.constant(false), weight: 99 }, { arbitrary: fc.constant(true), weight: 1 }),
  });

  test('packetized random messages come back in order with contiguous sequences', () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 1499 }), fc.array(step, { maxLength: 300, size: 'max' }), (maxPayloadBytes, steps) => {
        const sink = new Collect();
        const p = new MoldUdp64Packetizer(sink, { session: SESSION_TEXT, maxPayloadBytes });
        const sent: string[] = [];
        for (const { message, heartbeat } of steps) {
          p.append(message, 0, message.length);
          sent.push(toHex(message));
          if (heartbeat) p.heartbeat();
        }
        p.flush();
        const got: string[] = [];
        const pkt = new MoldUdp64Packet();
        let expected = 1;
        for (const k of sink.packets) {
          expect(pkt.parse(k, 0, k.length, moldSessionBytes(SESSION_TEXT))).toBe(0);
          expect(pkt.sequence).toBe(expected);
          if (pkt.kind === MoldPacketKind.Heartbeat) continue;
          for (let at = pkt.nextMessage(); at >= 0; at = pkt.nextMessage()) got.push(toHex(k.subarray(at, at + pkt.messageLength)));
          expected = pkt.nextSequence;
        }
        expect(got).toEqual(sent);
      }),
      propertyOptions(100),
    );
  });

  function packet(blocks: string, count: number): Uint8Array {
    return hex(`${SESSION_HEX} 0000000000000001 ${count.toString(16).padStart(4, '0')} ${blocks}`);
  }

  test('malformed packets are refused whole with the offset of the first bad byte', () => {
    const pkt = new MoldUdp64Packet();
    expect(pkt.parse(hex(SESSION_HEX), 0, 10)).toBe(Fault.Truncated);
    // Second block says 5 bytes but only 2 follow: fault at the block's length field (offset 20 + 3).
    expect(pkt.parse(packet('0001 aa 0005 bbbb', 2), 0, 27)).toBe(Fault.MoldBadBlocks);
    expect(pkt.faultOffset).toBe(23);
    // The count claims 3 blocks, the packet holds 2.
    expect(pkt.parse(packet('0001 aa 0001 bb', 3), 0, 26)).toBe(Fault.MoldBadBlocks);
    expect(pkt.faultOffset).toBe(26);
    // Bytes after the last counted block.
    expect(pkt.parse(packet('0001 aa 0001 bb', 1), 0, 26)).toBe(Fault.MoldTrailingBytes);
    expect(pkt.faultOffset).toBe(23);
    // A heartbeat carrying bytes.
    expect(pkt.parse(packet('00', 0), 0, 21)).toBe(Fault.MoldTrailingBytes);
    // Another session.
    expect(pkt.parse(packet('', 0), 0, 20, moldSessionBytes('OTHER'))).toBe(Fault.MoldWrongSession);
    expect(pkt.nextMessage()).toBe(-1);
  });

  test('end of session is recognised and carries no messages', () => {
    const pkt = new MoldUdp64Packet();
    expect(pkt.parse(packet('', 0xffff), 0, 20)).toBe(0);
    expect(pkt.kind).toBe(MoldPacketKind.EndOfSession);
    expect(pkt.count).toBe(0);
  });
});
