import { clientIp, isLoopback } from './client-ip';

test('IPv4-mapped addresses become plain IPv4; loopback in either family', () => {
  expect(clientIp('::ffff:10.1.2.3')).toBe('10.1.2.3');
  expect(clientIp('::1')).toBe('::1');
  expect(clientIp(undefined)).toBe('');
  for (const ip of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1']) expect(isLoopback(ip)).toBe(true);
  for (const ip of ['10.0.0.1', '::2', '128.0.0.1', '']) expect(isLoopback(ip)).toBe(false);
});
