// Abnormal-traffic detection per session, on the order path: an order rate far above the
// account's norm, or a burst of rejects, means the session must be suspended (by
// SessionStore.suspend; this class only decides). Pure: no database, no timers, the clock
// is the caller's `nowMs`.
//
// Rate: orders are counted in windows of `windowMs`, each opened by the first order after
// the last one closed. The account's norm is an EWMA of its sessions' rates over the
// windows that had orders: idle time does not pull the norm to zero, so the first busy
// minute after a quiet night is judged against the account's usual busy rate. A window
// whose count passes max(minRatePerSec, rateFactor x norm) x window flags the session.
// A new account's norm is `initialNormPerSec` (or `setNorm`, e.g. from its risk class).
//
// Rejects: the last rejectBurst+1 reject times per session sit in a ring; a reject whose
// time is within rejectWindowMs of the one rejectBurst+1 back is a burst (exact sliding
// window, fixed memory).
//
// State lives in typed arrays indexed by a slot per session (and per account), found
// through a Map from the caller's key: onOrder and onReject allocate nothing once a
// session is known. Slots double when full.
import { AccountErrorKind, newRefusalCounts, type RefusalCounts } from './errors';

export interface AbnormalTrafficOptions {
  /** Length of a rate window (ms). Default 1000. */
  windowMs?: number;
  /** A window above this multiple of the account's norm is abnormal... Default 10. */
  rateFactor?: number;
  /** ...and above this absolute rate (orders/s), so a quiet account may still burst a little. Default 50. */
  minRatePerSec?: number;
  /** The norm of an account not seen before (orders/s). Default 0: the absolute minimum rules. */
  initialNormPerSec?: number;
  /** Weight of each closed window in the EWMA (0..1]. Default 0.1 (about the last 10 busy windows). */
  normAlpha?: number;
  /** More rejects than this within rejectWindowMs is a burst. Default 20. */
  rejectBurst?: number;
  /** Default 5000. */
  rejectWindowMs?: number;
  /** Session slots to start with (doubles when full). Default 1024. */
  initialSessions?: number;
}

/** What onOrder/onReject answer: None, or the reason to suspend the session now. */
export type TrafficVerdict = typeof AccountErrorKind.None | typeof AccountErrorKind.AbnormalRate | typeof AccountErrorKind.RejectBurst;

const NO_ACCOUNT = -1;

export class AbnormalTrafficDetector {
  /** Verdicts given, by code (TW_ERR_SESSION_ABNORMAL_RATE, TW_ERR_SESSION_REJECT_BURST). */
  readonly refused: RefusalCounts = newRefusalCounts();
  readonly windowMs: number;
  readonly rateFactor: number;
  readonly minRatePerSec: number;
  readonly initialNormPerSec: number;
  readonly normAlpha: number;
  readonly rejectBurst: number;
  readonly rejectWindowMs: number;
  private readonly windowSec: number;
  private readonly ringSize: number;

  private readonly sessionSlots = new Map<number, number>();
  private readonly accountSlots = new Map<number, number>();
  private sessionCapacity: number;
  private freeSessions: Int32Array;
  private freeCount: number;
  private sessionAccount: Int32Array;
  private windowStartMs: Float64Array;
  private windowCount: Int32Array;
  /** The count a window may reach, fixed when it opens. */
  private windowLimit: Float64Array;
  /** 1 once a verdict was given: no second one until `reset`. */
  private flagged: Uint8Array;
  /** 1 when the session's norm slot is its own (never attached to an account). */
  private privateNorm: Uint8Array;
  /** Per session slot, its last rejectBurst+1 reject times; made at the session's first reject (most never reject), so a large rejectBurst costs memory only where rejects happen. */
  private rejectRings: Array<Float64Array | null>;
  private rejectHead: Int32Array;
  private rejectFilled: Int32Array;

  private accountCapacity: number;
  private accountCount = 0;
  /** Private norm slots given back by ended sessions (session lifecycle only, not per order). */
  private readonly freeAccounts: number[] = [];
  private normPerSec: Float64Array;

  constructor(options: AbnormalTrafficOptions = {}) {
    this.windowMs = options.windowMs ?? 1000;
    this.rateFactor = options.rateFactor ?? 10;
    this.minRatePerSec = options.minRatePerSec ?? 50;
    this.initialNormPerSec = options.initialNormPerSec ?? 0;
    this.normAlpha = options.normAlpha ?? 0.1;
    this.rejectBurst = options.rejectBurst ?? 20;
    this.rejectWindowMs = options.rejectWindowMs ?? 5000;
    const initial = options.initialSessions ?? 1024;
    if (!(this.windowMs > 0) || !(this.rateFactor > 0) || !(this.minRatePerSec >= 0) || !(this.initialNormPerSec >= 0)) {
      throw new RangeError('abnormal-traffic windowMs and rateFactor must be above 0, minRatePerSec and initialNormPerSec at least 0');
    }
    if (!(this.normAlpha > 0 && this.normAlpha <= 1)) throw new RangeError(`abnormal-traffic normAlpha must be in (0, 1], got ${this.normAlpha}`);
    if (!Number.isInteger(this.rejectBurst) || this.rejectBurst < 1 || !(this.rejectWindowMs > 0)) {
      throw new RangeError('abnormal-traffic rejectBurst must be an integer from 1 and rejectWindowMs above 0');
    }
    if (!Number.isInteger(initial) || initial < 1) throw new RangeError(`abnormal-traffic initialSessions must be an integer from 1, got ${initial}`);
    this.windowSec = this.windowMs / 1000;
    this.ringSize = this.rejectBurst + 1;
    this.sessionCapacity = initial;
    this.freeSessions = new Int32Array(initial);
    for (let i = 0; i < initial; i++) this.freeSessions[i] = initial - 1 - i;
    this.freeCount = initial;
    this.sessionAccount = new Int32Array(initial);
    this.windowStartMs = new Float64Array(initial);
    this.windowCount = new Int32Array(initial);
    this.windowLimit = new Float64Array(initial);
    this.flagged = new Uint8Array(initial);
    this.privateNorm = new Uint8Array(initial);
    this.rejectRings = new Array<Float64Array | null>(initial).fill(null);
    this.rejectHead = new Int32Array(initial);
    this.rejectFilled = new Int32Array(initial);
    this.accountCapacity = 256;
    this.normPerSec = new Float64Array(this.accountCapacity);
  }

  /**
   * Ties a session to its account, whose norm it is judged against and feeds. A session
   * never attached has a norm of its own (starting at initialNormPerSec).
   */
  attach(sessionKey: number, accountKey: number): void {
    const slot = this.sessionSlot(sessionKey);
    this.dropPrivateNorm(slot);
    this.sessionAccount[slot] = this.accountSlot(accountKey);
  }

  /** An order from the session at nowMs: AbnormalRate when the session must be suspended now (once). */
  onOrder(sessionKey: number, nowMs: number): TrafficVerdict {
    const slot = this.sessionSlot(sessionKey);
    if (this.flagged[slot] === 1) return AccountErrorKind.None;
    if (nowMs - this.windowStartMs[slot] >= this.windowMs) this.openWindow(slot, nowMs);
    const count = ++this.windowCount[slot];
    if (count > this.windowLimit[slot]) {
      this.flagged[slot] = 1;
      this.refused.TW_ERR_SESSION_ABNORMAL_RATE++;
      return AccountErrorKind.AbnormalRate;
    }
    return AccountErrorKind.None;
  }

  /** A rejected order of the session at nowMs: RejectBurst when the session must be suspended now (once). */
  onReject(sessionKey: number, nowMs: number): TrafficVerdict {
    const slot = this.sessionSlot(sessionKey);
    if (this.flagged[slot] === 1) return AccountErrorKind.None;
    let ring = this.rejectRings[slot];
    if (ring === null) {
      ring = new Float64Array(this.ringSize);
      this.rejectRings[slot] = ring;
    }
    const head = this.rejectHead[slot];
    ring[head] = nowMs;
    const next = head + 1 === this.ringSize ? 0 : head + 1;
    this.rejectHead[slot] = next;
    if (this.rejectFilled[slot] < this.ringSize) this.rejectFilled[slot]++;
    // Full ring: `next` holds the oldest of the last rejectBurst+1 rejects.
    if (this.rejectFilled[slot] === this.ringSize && nowMs - ring[next] <= this.rejectWindowMs) {
      this.flagged[slot] = 1;
      this.refused.TW_ERR_SESSION_REJECT_BURST++;
      return AccountErrorKind.RejectBurst;
    }
    return AccountErrorKind.None;
  }

  /** After an admin lifts the suspension: the session starts clean (a new window, no rejects), its norm kept. */
  reset(sessionKey: number): void {
    const slot = this.sessionSlots.get(sessionKey);
    if (slot === undefined) return;
    this.clearSession(slot);
  }

  /** The session ended: its slot is freed. The account's norm stays for its next session. */
  forget(sessionKey: number): void {
    const slot = this.sessionSlots.get(sessionKey);
    if (slot === undefined) return;
    this.sessionSlots.delete(sessionKey);
    this.dropPrivateNorm(slot);
    this.freeSessions[this.freeCount++] = slot;
  }

  /** The account's norm (orders/s), or undefined for an account not seen. */
  norm(accountKey: number): number | undefined {
    const slot = this.accountSlots.get(accountKey);
    return slot === undefined ? undefined : this.normPerSec[slot];
  }

  /** Sets an account's norm (orders/s): from its risk class, or carried over from yesterday. */
  setNorm(accountKey: number, perSec: number): void {
    if (!(perSec >= 0) || !Number.isFinite(perSec)) throw new RangeError(`a norm is a rate of 0 or more orders/s, got ${perSec}`);
    this.normPerSec[this.accountSlot(accountKey)] = perSec;
  }

  /** A sentence on the session's current window, for the suspension record (not for the hot path). */
  describe(sessionKey: number): string {
    const slot = this.sessionSlots.get(sessionKey);
    if (slot === undefined) return 'session not seen';
    const account = this.sessionAccount[slot];
    const norm = account === NO_ACCOUNT ? this.initialNormPerSec : this.normPerSec[account];
    return `${this.windowCount[slot]} orders in a ${this.windowMs} ms window (limit ${this.windowLimit[slot].toFixed(1)}; account norm ${norm.toFixed(2)}/s); ${this.rejectFilled[slot]} recent rejects`;
  }

  /** Sessions tracked now. */
  get sessions(): number {
    return this.sessionSlots.size;
  }

  private openWindow(slot: number, nowMs: number): void {
    let account = this.sessionAccount[slot];
    if (account === NO_ACCOUNT) {
      // Never attached: a norm of its own, freed with the session.
      account = this.sessionAccount[slot] = this.newAccountSlot();
      this.privateNorm[slot] = 1;
    }
    const count = this.windowCount[slot];
    if (count > 0) this.normPerSec[account] += this.normAlpha * (count / this.windowSec - this.normPerSec[account]);
    this.windowStartMs[slot] = nowMs;
    this.windowCount[slot] = 0;
    this.windowLimit[slot] = Math.max(this.minRatePerSec, this.rateFactor * this.normPerSec[account]) * this.windowSec;
  }

  private sessionSlot(sessionKey: number): number {
    const known = this.sessionSlots.get(sessionKey);
    if (known !== undefined) return known;
    if (this.freeCount === 0) this.growSessions();
    const slot = this.freeSessions[--this.freeCount];
    this.sessionSlots.set(sessionKey, slot);
    this.sessionAccount[slot] = NO_ACCOUNT;
    this.privateNorm[slot] = 0;
    this.clearSession(slot);
    return slot;
  }

  private clearSession(slot: number): void {
    // -Infinity: the first order always opens a window.
    this.windowStartMs[slot] = Number.NEGATIVE_INFINITY;
    this.windowCount[slot] = 0;
    this.windowLimit[slot] = 0;
    this.flagged[slot] = 0;
    this.rejectHead[slot] = 0;
    this.rejectFilled[slot] = 0;
  }

  private accountSlot(accountKey: number): number {
    const known = this.accountSlots.get(accountKey);
    if (known !== undefined) return known;
    const slot = this.newAccountSlot();
    this.accountSlots.set(accountKey, slot);
    return slot;
  }

  private dropPrivateNorm(slot: number): void {
    if (this.privateNorm[slot] === 0) return;
    this.freeAccounts.push(this.sessionAccount[slot]);
    this.privateNorm[slot] = 0;
    this.sessionAccount[slot] = NO_ACCOUNT;
  }

  private newAccountSlot(): number {
    const reused = this.freeAccounts.pop();
    if (reused !== undefined) {
      this.normPerSec[reused] = this.initialNormPerSec;
      return reused;
    }
    if (this.accountCount === this.accountCapacity) {
      this.accountCapacity *= 2;
      const norms = new Float64Array(this.accountCapacity);
      norms.set(this.normPerSec);
      this.normPerSec = norms;
    }
    const slot = this.accountCount++;
    this.normPerSec[slot] = this.initialNormPerSec;
    return slot;
  }

  private growSessions(): void {
    const old = this.sessionCapacity;
    const capacity = old * 2;
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(from: T, make: (n: number) => T, per = 1): T => {
      const to = make(capacity * per);
      to.set(from);
      return to;
    };
    this.sessionAccount = grow(this.sessionAccount, (n) => new Int32Array(n));
    this.windowStartMs = grow(this.windowStartMs, (n) => new Float64Array(n));
    this.windowCount = grow(this.windowCount, (n) => new Int32Array(n));
    this.windowLimit = grow(this.windowLimit, (n) => new Float64Array(n));
    this.flagged = grow(this.flagged, (n) => new Uint8Array(n));
    this.privateNorm = grow(this.privateNorm, (n) => new Uint8Array(n));
    this.rejectRings = this.rejectRings.concat(new Array<Float64Array | null>(capacity - old).fill(null));
    this.rejectHead = grow(this.rejectHead, (n) => new Int32Array(n));
    this.rejectFilled = grow(this.rejectFilled, (n) => new Int32Array(n));
    this.freeSessions = new Int32Array(capacity);
    for (let i = 0; i < capacity - old; i++) this.freeSessions[i] = capacity - 1 - i;
    this.freeCount = capacity - old;
    this.sessionCapacity = capacity;
  }
}
