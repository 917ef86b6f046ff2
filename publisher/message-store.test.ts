import { MessageStore, PublisherError, StoreRange, STORE_SLOT_BYTES } from './index';

/** Stores `n` messages whose bytes spell their sequence number (length 1 + seq % 30). */
function fill(store: MessageStore, n: number): void {
  for (let i = 0; i < n; i++) {
    const seq = store.nextSequence;
    const len = 1 + (seq % 30);
    store.bytes.fill(seq & 0xff, store.writeOffset, store.writeOffset + len);
    store.commit(len);
  }
}

describe('MessageStore', () => {
  test('keeps the last `capacity` messages by sequence number across wraps', () => {
    const store = new MessageStore(5);
    expect(store.byteSize).toBe(5 * (STORE_SLOT_BYTES + 1));
    expect(store.rangeStatus(1, 1)).toBe(StoreRange.NotYetPublished);
    fill(store, 12);
    expect(store.nextSequence).toBe(13);
    expect(store.oldestSequence).toBe(8);
    const got = store.copyRange(8, 5);
    expect(got.map((b) => [b.length, b[0]])).toEqual([8, 9, 10, 11, 12].map((s) => [1 + (s % 30), s]));
    expect(store.rangeStatus(7, 2)).toBe(StoreRange.AgedOut);
    expect(store.rangeStatus(12, 2)).toBe(StoreRange.NotYetPublished);
    expect(store.rangeStatus(1.5, 2)).toBe(StoreRange.BadRange);
    expect(store.rangeStatus(8, 0)).toBe(StoreRange.BadRange);
  });

  test('visits a range in order, in place', () => {
    const store = new MessageStore(4, 100);
    fill(store, 6);
    const seen: number[] = [];
    expect(store.forEach(102, 4, { onStoredMessage: (seq, bytes, offset, length) => seen.push(seq, bytes[offset], length) })).toBe(StoreRange.Ok);
    expect(seen).toEqual([102, 102, 13, 103, 103, 14, 104, 104, 15, 105, 105, 16]);
    expect(store.forEach(101, 1, { onStoredMessage: () => seen.push(-1) })).toBe(StoreRange.AgedOut);
    expect(seen).not.toContain(-1);
  });

  test('an aged-out range names what it still holds and where to look instead', () => {
    const store = new MessageStore(3);
    fill(store, 10);
    let error: unknown;
    try {
      store.copyRange(2, 3);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PublisherError);
    expect((error as PublisherError).code).toBe('TW_ERR_STORE_AGED_OUT');
    expect((error as PublisherError).message).toBe(
      'TW_ERR_STORE_AGED_OUT: messages 2..4 have aged out of the message store: it holds 8..10 (capacity 3 messages); re-encode them from the journal',
    );
  });

  test('refuses a capacity it cannot allocate', () => {
    expect(() => new MessageStore(0)).toThrow(/TW_ERR_PUB_BAD_CONFIG/);
  });
});
