import { mulberry32, testSeed } from '../protocol';
import { LOGIN_ID_PATTERN, randomLoginId } from './login-id';

describe('randomLoginId', () => {
  test('6 characters of [A-Z0-9] from the OS random source', () => {
    for (let i = 0; i < 100; i++) expect(randomLoginId()).toMatch(LOGIN_ID_PATTERN);
  });

  test('bytes at or above 252 are redrawn, so every character is equally likely (seeded source)', () => {
    const seed = testSeed();
    const rand = mulberry32(seed);
    const source = (size: number): Uint8Array => Uint8Array.from({ length: size }, () => Math.floor(rand() * 256));
    const counts = new Map<string, number>();
    for (let i = 0; i < 6000; i++) for (const c of randomLoginId(source)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(36);
    // 36,000 draws: 1,000 expected per character; 5 sigma is ~160.
    for (const [c, n] of counts) if (Math.abs(n - 1000) > 160) throw new Error(`TW_SEED=${seed}: ${c} drawn ${n} times`);
    // A source of only rejected bytes then good ones: the rejected ones are skipped.
    let call = 0;
    const skewed = (size: number): Uint8Array => new Uint8Array(size).fill(call++ === 0 ? 255 : 1);
    expect(randomLoginId(skewed)).toBe('BBBBBB');
  });
});
