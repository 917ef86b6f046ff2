// Ports free right now on loopback (bound and released): what tests that start real
// processes pass as --set ...port=N, since a child's port 0 could not be told to a peer.
import * as dgram from 'node:dgram';
import * as net from 'node:net';

const IFACE = '127.0.0.1';

export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, IFACE, () => resolve()));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function freeTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, IFACE, () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
