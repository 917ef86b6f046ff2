import { mulberry32 } from '../protocol';
import { PendingRequests } from './pending-requests';
import { PendingRequest } from './report-router';

class Waiting extends PendingRequest {
  report(): void {}
  answered(): void {}
  failed(): void {}
}

function waiting(requestId: number): Waiting {
  const w = new Waiting();
  w.requestId = requestId;
  return w;
}

describe('PendingRequests', () => {
  const seed = Number(process.env.TW_SEED ?? 7);
  test(`finds exactly the requests waiting, oldest first, across growth and the requestId wrap (seed ${seed}, TW_SEED)`, () => {
    const next = mulberry32(seed);
    const rnd = (n: number): number => Math.floor(next() * n);
    const max = 0xffff; // the router's is 0x7fffffff: both a power of two less one
    const ring = new PendingRequests(max, 16);
    const model = new Map<number, Waiting>(); // insertion order: oldest first
    let id = max - 700; // wraps to 1 during the run
    for (let step = 0; step < 20_000; step++) {
      if (rnd(2) === 0 || model.size === 0) {
        const w = waiting(id);
        ring.add(w);
        model.set(id, w);
        id = id === max ? 1 : id + 1;
      } else {
        // Mostly the oldest (answers come in order), sometimes any, sometimes one not waiting.
        const keys = [...model.keys()];
        const k = rnd(4) === 0 ? keys[rnd(keys.length)] : keys[0];
        const w = model.get(k) as Waiting;
        expect(ring.remove(w)).toBe(true);
        expect(ring.remove(w)).toBe(false);
        model.delete(k);
      }
      expect(ring.size).toBe(model.size);
      expect(ring.oldest()).toBe(model.size === 0 ? null : model.values().next().value);
      if (step % 2000 === 0) for (let q = 1; q <= max; q += 13) expect(ring.get(q)).toBe(model.get(q) ?? null);
    }
    expect(ring.takeAll()).toEqual([...model.values()]);
    expect(ring.size).toBe(0);
    expect(ring.oldest()).toBe(null);
  });
});
