import { L2_SLOTS, StorageRecordKind, StorageRecordReader, StorageRecordRing, StorageRecordWriter, stockFromWords } from './storage-records';
import { alphaWord } from './itch-messages';

describe('storage record ring', () => {
  test('records come out in order with their slot counts; a multi-slot record never wraps (a pad fills the end)', () => {
    const ring = StorageRecordRing.create(64);
    const w = new StorageRecordWriter(ring);
    const r = new StorageRecordReader(ring);
    const seen: number[] = [];
    let tag = 0;
    for (let round = 0; round < 50; round++) {
      for (let k = 0; k < 5; k++) {
        const slots = (tag % 3 === 0) ? L2_SLOTS : 1;
        const base = w.claim(slots);
        expect(base).toBeGreaterThanOrEqual(0);
        expect(base / 64 + slots).toBeLessThanOrEqual(ring.capacity); // contiguous
        ring.view.u8[base] = slots === 1 ? StorageRecordKind.Message : StorageRecordKind.L2;
        ring.view.f64[(base >> 3) + 1] = ++tag;
      }
      w.commit();
      const n = r.available();
      for (let i = 0; i < n; ) {
        const base = r.baseOf(i);
        if (ring.view.u8[base] !== StorageRecordKind.Pad) seen.push(ring.view.f64[(base >> 3) + 1]);
        i += ring.view.u8[base + 1];
      }
      r.advance(n);
    }
    expect(seen).toEqual(Array.from({ length: tag }, (_, i) => i + 1));
  });

  test('a full ring refuses a claim (never waits); rollback drops an uncommitted group', () => {
    const ring = StorageRecordRing.create(64);
    const w = new StorageRecordWriter(ring);
    const r = new StorageRecordReader(ring);
    for (let i = 0; i < 64; i++) expect(w.claim(1)).toBeGreaterThanOrEqual(0);
    expect(w.claim(1)).toBe(-1);
    w.rollback();
    expect(r.available()).toBe(0);
    expect(w.used()).toBe(0);
    for (let i = 0; i < 10; i++) w.claim(1);
    w.commit();
    expect(r.available()).toBe(10);
    r.advance(10);
    expect(w.used()).toBe(0);
  });

  test('attaching to a buffer that is not a ring is refused', () => {
    expect(() => new StorageRecordRing(new SharedArrayBuffer(1000))).toThrow(/not a storage record ring/);
    expect(() => StorageRecordRing.create(0)).toThrow(RangeError);
  });

  test('stock words back to the symbol without padding', () => {
    expect(stockFromWords(alphaWord('AAPL', 0), alphaWord('AAPL', 4))).toBe('AAPL');
    expect(stockFromWords(alphaWord('GOOGLXYZ', 0), alphaWord('GOOGLXYZ', 4))).toBe('GOOGLXYZ');
    expect(stockFromWords(0, 0)).toBe('');
  });
});
