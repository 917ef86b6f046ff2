// A whole websocket text frame (RFC 6455 section 5.2: FIN + opcode 1, unmasked as a server
// sends it, then the payload) built once per topic frame, so the fan-out writes the same
// bytes to every client's socket: no per-client header, copy or framing work.

export function wsTextFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const headerLength = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(headerLength + n);
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
  payload.copy(out, headerLength);
  return out;
}
