import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { EngineEventRing, EngineEventRingReader, EngineEventRingWriter } from './engine-event-ring';
import { ENGINE_EVENT_SIZE, EngineEventType } from './engine-events';

function writeEvent(w: EngineEventRingWriter, seq: number): void {
  const base = w.claim();
  w.view.u8[base] = EngineEventType.OrderAdded;
  w.view.u8[base + 2] = 0;
  w.view.f64[(base >> 3) + 2] = seq;
}

describe('engine event ring', () => {
  test('events cross the wrap-around in order, and the fill level is right across int32 wrap', () => {
    const ring = EngineEventRing.create(64);
    // Start the positions just below 2^31 so the int32 counters wrap during the test.
    ring.ctrl[0] = 0x7fffffe0;
    ring.ctrl[16] = 0x7fffffe0;
    const w = new EngineEventRingWriter(ring);
    const r = new EngineEventRingReader(ring);
    const seen: number[] = [];
    let seq = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 40; i++) writeEvent(w, ++seq);
      w.commit();
      expect(r.available()).toBe(40);
      r.drain({ onEngineEvent: (v, b) => seen.push(v.sequence(b)) });
    }
    expect(seen.length).toBe(2000);
    seen.forEach((s, i) => expect(s).toBe(i + 1));
  });

  test('drainThrough stops before the first event of a command above the gate, across the wrap', () => {
    const ring = EngineEventRing.create(64);
    ring.ctrl[0] = 60;
    ring.ctrl[16] = 60;
    const w = new EngineEventRingWriter(ring);
    const r = new EngineEventRingReader(ring);
    // Commands 1..10, three events each (one group per command).
    for (let cmd = 1; cmd <= 10; cmd++) {
      for (let k = 0; k < 3; k++) {
        const base = w.claim();
        w.view.u8[base] = EngineEventType.OrderAdded;
        w.view.f64[(base >> 3) + 2] = cmd * 10 + k;
        w.view.f64[(base >> 3) + 7] = cmd;
      }
      w.markGroupEnd();
    }
    w.commit();
    const seen: number[] = [];
    const h = { onEngineEvent: (v: import('./engine-events').EngineEventView, b: number) => seen.push(v.inboundSeq(b)) };
    expect(r.drainThrough(h, 0)).toBe(0);
    expect(r.firstInboundSeq()).toBe(1);
    expect(r.drainThrough(h, 4)).toBe(12);
    expect(r.available()).toBe(18);
    expect(r.firstInboundSeq()).toBe(5);
    expect(r.drainThrough(h, 4)).toBe(0);
    expect(r.drainThrough(h, 100)).toBe(18);
    expect(r.firstInboundSeq()).toBe(0);
    expect(seen).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10, 10]);
  });

  test('nothing is visible to the reader before commit; the group-end flag marks the last event', () => {
    const ring = EngineEventRing.create(64);
    const w = new EngineEventRingWriter(ring);
    const r = new EngineEventRingReader(ring);
    writeEvent(w, 1);
    writeEvent(w, 2);
    expect(r.available()).toBe(0);
    w.markGroupEnd();
    w.commit();
    const flags: boolean[] = [];
    r.drain({ onEngineEvent: (v, b) => flags.push(v.isGroupEnd(b)) });
    expect(flags).toEqual([false, true]);
  });

  test('a group larger than the ring is published in parts without loss (in-process drain)', () => {
    const ring = EngineEventRing.create(64);
    const seen: number[] = [];
    const r = new EngineEventRingReader(ring);
    const handler = { onEngineEvent: (v: import('./engine-events').EngineEventView, b: number) => seen.push(v.sequence(b)) };
    const w = new EngineEventRingWriter(ring, { onRingFull: () => r.drain(handler) });
    for (let i = 1; i <= 1000; i++) writeEvent(w, i);
    w.markGroupEnd();
    w.commit();
    r.drain(handler);
    expect(seen.length).toBe(1000);
    expect(seen[999]).toBe(1000);
    expect(w.fullCount).toBeGreaterThan(0);
  });

  test('spans cover the unread events as at most two contiguous ranges', () => {
    const ring = EngineEventRing.create(64);
    const w = new EngineEventRingWriter(ring);
    const r = new EngineEventRingReader(ring);
    for (let i = 0; i < 50; i++) writeEvent(w, i);
    w.commit();
    r.advance(50);
    for (let i = 0; i < 30; i++) writeEvent(w, i);
    w.commit();
    const spans = new Int32Array(4);
    expect(r.spans(spans)).toBe(30);
    expect(spans[1] - spans[0] + spans[3] - spans[2]).toBe(30 * ENGINE_EVENT_SIZE);
    expect(spans[0]).toBe(50 * ENGINE_EVENT_SIZE);
    expect(spans[3]).toBe(16 * ENGINE_EVENT_SIZE);
  });

  test('a consumer on another thread receives every event in order, with back-pressure', async () => {
    const ring = EngineEventRing.create(256);
    const total = 200_000;
    // The worker runs the compiled reader (npm test builds dist/ first).
    const dist = path.resolve(__dirname, '../dist/protocol');
    const worker = new Worker(
      `
      const { parentPort, workerData } = require('node:worker_threads');
      const { EngineEventRing, EngineEventRingReader } = require(workerData.dist);
      const r = new EngineEventRingReader(new EngineEventRing(workerData.sab));
      let expected = 1, bad = 0, groups = 0;
      const h = { onEngineEvent(v, b) { if (v.sequence(b) !== expected) bad++; expected++; if (v.isGroupEnd(b)) groups++; } };
      while (expected <= workerData.total) { r.waitForEvents(100); r.drain(h); }
      parentPort.postMessage({ received: expected - 1, bad, groups });
      `,
      { eval: true, workerData: { sab: ring.sab, total, dist } },
    );
    const done = new Promise<{ received: number; bad: number; groups: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const w = new EngineEventRingWriter(ring); // default policy: wait for the consumer thread
    for (let i = 1; i <= total; i++) {
      writeEvent(w, i);
      if (i % 10 === 0) {
        w.markGroupEnd();
        w.commit();
      }
    }
    w.commit();
    const result = await done;
    await worker.terminate();
    expect(result).toEqual({ received: total, bad: 0, groups: total / 10 });
  });

  test('waitForEventsAsync wakes on a commit from another thread, and times out with false when nothing comes', async () => {
    const ring = EngineEventRing.create(64);
    const r = new EngineEventRingReader(ring);
    const t0 = Date.now();
    expect(await r.waitForEventsAsync(30)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(20);
    const dist = path.resolve(__dirname, '../dist/protocol');
    const worker = new Worker(
      `
      const { workerData } = require('node:worker_threads');
      const { EngineEventRing, EngineEventRingWriter } = require(workerData.dist);
      setTimeout(() => {
        const w = new EngineEventRingWriter(new EngineEventRing(workerData.sab));
        const base = w.claim();
        w.view.f64[(base >> 3) + 2] = 1;
        w.commit();
      }, 50);
      `,
      { eval: true, workerData: { sab: ring.sab, dist } },
    );
    // The event loop stays free while waiting: a timer set now still fires.
    let ticked = false;
    setTimeout(() => (ticked = true), 5);
    expect(await r.waitForEventsAsync(10_000)).toBe(true);
    expect(ticked).toBe(true);
    expect(r.available()).toBe(1);
    await worker.terminate();
  });

  test('a buffer that is not a ring is refused', () => {
    expect(() => new EngineEventRing(new SharedArrayBuffer(1000))).toThrow(/not an engine event ring/);
    expect(() => EngineEventRing.create(0)).toThrow(RangeError);
  });
});
