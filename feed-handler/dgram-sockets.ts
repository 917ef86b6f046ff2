// FeedSockets on node:dgram: line sockets bound to the group address with SO_REUSEADDR (so
// several handlers on one machine share a line), and the rewinder's unicast socket.
import * as dgram from 'node:dgram';
import { FeedHandlerError } from './errors';
import type { DatagramReceiver, FeedLineAddress, FeedSocket, FeedSockets } from './feed-sockets';

class DgramFeedSocket implements FeedSocket {
  private readonly socket: dgram.Socket;
  private closed = false;

  constructor(socket: dgram.Socket) {
    this.socket = socket;
  }

  send(bytes: Uint8Array, length: number, port: number, host: string): void {
    if (this.closed) return;
    try {
      this.socket.send(bytes, 0, length, port, host);
    } catch {
      // A socket closing under us: the handler is closing.
    }
  }

  localPort(): number {
    return this.socket.address().port;
  }

  recvBufferBytes(): number {
    return this.socket.getRecvBufferSize();
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

export const DGRAM_SOCKETS: FeedSockets = {
  openLine(line: FeedLineAddress, source: number, iface: string, recvBufferBytes: number, receiver: DatagramReceiver): Promise<FeedSocket> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: recvBufferBytes });
    const name = source === 0 ? 'line A' : 'line B';
    return new Promise<FeedSocket>((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.close();
        reject(new FeedHandlerError('TW_ERR_FEED_SOCKET', `cannot listen to ${name} ${line.group}:${line.port}: ${err.message}; check the line's group and port`));
      };
      socket.once('error', onError);
      // Bound to the group's address, so only this group's datagrams reach the socket.
      // exclusive: a socket of this process's own, not one shared through a node:cluster
      // primary (several handlers in a cluster each join the group and see every datagram).
      socket.bind({ port: line.port, address: line.group, exclusive: true }, () => {
        try {
          socket.addMembership(line.group, iface);
        } catch (err) {
          onError(new Error(`addMembership on ${iface}: ${(err as Error).message}`));
          return;
        }
        socket.off('error', onError);
        socket.on('error', () => {
          // Receive errors after set-up are not fatal; the loss shows as a gap.
        });
        socket.on('message', (msg: Buffer) => receiver.receive(source, msg));
        resolve(new DgramFeedSocket(socket));
      });
    });
  },

  openRequest(iface: string, source: number, receiver: DatagramReceiver): Promise<FeedSocket> {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
    return new Promise<FeedSocket>((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.close();
        reject(new FeedHandlerError('TW_ERR_FEED_SOCKET', `cannot open the rewinder socket on ${iface}: ${err.message}`));
      };
      socket.once('error', onError);
      // exclusive: the rewinder answers this process's requests, not a cluster sibling's.
      socket.bind({ port: 0, address: iface, exclusive: true }, () => {
        socket.off('error', onError);
        socket.on('error', () => {});
        socket.on('message', (msg: Buffer) => receiver.receive(source, msg));
        resolve(new DgramFeedSocket(socket));
      });
    });
  },
};
