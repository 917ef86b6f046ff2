import { formatDecimal4, parseDecimal4 } from './prices';

describe('decimal strings', () => {
  test('parse by digits: whole, 1 to 4 places, leading zeros', () => {
    expect(parseDecimal4('192.34')).toBe(1_923_400);
    expect(parseDecimal4('192.3400')).toBe(1_923_400);
    expect(parseDecimal4('0.1')).toBe(1000);
    expect(parseDecimal4('0.0001')).toBe(1);
    expect(parseDecimal4('007')).toBe(70_000);
  });

  test('refuse signs, exponents, spaces, a 5th place and empty parts', () => {
    for (const bad of ['', '-1', '+1', '1e3', ' 1', '1 ', '1.', '.5', '1.23456', 'NaN', '0x10', '1,5', '１']) expect(parseDecimal4(bad)).toBeNull();
  });

  test('format keeps four places and a sign', () => {
    expect(formatDecimal4(1_923_400)).toBe('192.3400');
    expect(formatDecimal4(1)).toBe('0.0001');
    expect(formatDecimal4(-25_000)).toBe('-2.5000');
  });
});
