// A whole websocket text frame (RFC 6455 section 5.2: FIN + opcode 1, unmasked as a server
// sends it, then the payload) built once per topic frame, so the fan-out writes the same
// bytes to every client's socket: no per-client header, copy or framing work.

/** The frame's header length for a payload of `n` bytes (RFC 6455 5.2: 7-bit, 16-bit or 64-bit length). */
export function wsFrameHeaderLength(n: number): number {
  return n < 126 ? 2 : n < 65536 ? 4 : 10;
}

/** Writes the header of a text frame of an `n`-byte payload at the start of `out`. */
export function writeWsFrameHeader(out: Buffer, n: number): void {
  out[0] = 0x81;
  if (n < 126) {
    out[1] = n;
  } else if (n < 65536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    out.writeUInt32BE(n >>> 0, 6);
  }
}

export function wsTextFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const headerLength = wsFrameHeaderLength(n);
  const out = Buffer.allocUnsafe(headerLength + n);
  writeWsFrameHeader(out, n);
  payload.copy(out, headerLength);
  return out;
}

/** The frame of a JSON text, encoded straight into it (one buffer, no intermediate payload copy). */
export function wsTextFrameOf(text: string): Buffer {
  const n = Buffer.byteLength(text, 'utf8');
  const headerLength = wsFrameHeaderLength(n);
  const out = Buffer.allocUnsafe(headerLength + n);
  writeWsFrameHeader(out, n);
  out.write(text, headerLength, n, 'utf8');
  return out;
}

/** The payload length of a whole frame built here (its header read back). */
export function wsFramePayloadLength(wire: Buffer): number {
  const len = wire[1] & 0x7f;
  return len < 126 ? len : len === 126 ? wire.readUInt16BE(2) : wire.readUInt32BE(2) * 2 ** 32 + wire.readUInt32BE(6);
}
