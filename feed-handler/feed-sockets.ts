// The socket seam: what the handler needs of UDP (join a line, open the rewinder socket,
// send a request, close). The real implementation is dgram-sockets.ts; a test may pass its
// own FeedSockets and feed datagrams through FeedHandler.receive().

/** Where a socket delivers datagrams: FeedHandler.receive(source, bytes). */
export interface DatagramReceiver {
  receive(source: number, bytes: Uint8Array): void;
}

export interface FeedLineAddress {
  group: string;
  port: number;
}

export interface RewinderAddress {
  host: string;
  port: number;
}

export interface FeedSocket {
  /** Sends bytes[0, length) to host:port; a socket already closed drops it silently. */
  send(bytes: Uint8Array, length: number, port: number, host: string): void;
  /** The bound local port. */
  localPort(): number;
  /** The receive buffer the kernel granted, bytes. */
  recvBufferBytes(): number;
  close(): Promise<void>;
}

export interface FeedSockets {
  /**
   * Joins multicast `line` on `iface`; each datagram goes to `receiver.receive(source, ...)`.
   * Rejects with FeedHandlerError TW_ERR_FEED_SOCKET if it cannot.
   */
  openLine(line: FeedLineAddress, source: number, iface: string, recvBufferBytes: number, receiver: DatagramReceiver): Promise<FeedSocket>;
  /** A unicast socket on `iface` (any port) for rewinder requests; answers go to `receiver.receive(source, ...)`. */
  openRequest(iface: string, source: number, receiver: DatagramReceiver): Promise<FeedSocket>;
}
