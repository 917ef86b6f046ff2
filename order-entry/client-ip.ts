// The client's address as the IP rules and the admin check see it.

/** Loopback, IPv4 or IPv6 (IPv4-mapped included). */
export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}

/** The socket's peer address, IPv4-mapped IPv6 as plain IPv4 ('' when the socket has none). */
export function clientIp(raw: string | undefined): string {
  const ip = raw ?? '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
