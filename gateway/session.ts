// One websocket client: its tier, its subscriptions, its message rate. Every client
// message is rate-limited, parsed and validated (protocol/gateway-messages.ts); anything
// wrong gets an error message with a TW_ERR_GW_ code and the connection stays. Only abuse
// (rate-limited messages again and again) closes it (1008).
import type { Socket } from 'node:net';
import type { WebSocket, RawData } from 'ws';
import type { OrderBook } from '../book';
import { clientMessageSchema, GATEWAY_OPS, TokenBucket, type ClientMessage, type GatewayTier, type SubscriptionRequest } from '../protocol';
import { CloseCode, type GatewayErrorCode, type GatewayErrorCounts } from './errors';
import type { FanOut, Subscriber, Subscription } from './fan-out';
import type { SubscriptionRegistry } from './subscription-registry';
import { defaultBookDepth, lowestTierWith, type TierPolicy } from './tiers';

/** Refusals for rate within this long of each other count toward abuse. */
const STRIKE_WINDOW_MS = 10_000;
/** A client closed as slow that does not finish the close handshake is cut after this long. */
const CLOSE_GRACE_MS = 2000;
const TEXT = { binary: false } as const;

export interface SessionDeps {
  registry: SubscriptionRegistry;
  policies: Record<GatewayTier, TierPolicy>;
  errors: GatewayErrorCounts;
  /** The book of a symbol in the directory, or null. */
  lookup(symbol: string): OrderBook | null;
  messagesPerSecond: number;
  abuseStrikes: number;
  maxSubscriptions: number;
  now(): number;
}

export class Session implements Subscriber {
  readonly id: number;
  readonly ws: WebSocket;
  readonly ip: string;
  readonly tier: TierPolicy;
  closed = false;
  skipped = 0;
  /** Answered the last ping. */
  alive = true;
  framesSent = 0;
  bytesSent = 0;
  messagesReceived = 0;
  private readonly subs = new Map<string, Subscription>();
  private readonly deps: SessionDeps;
  private readonly bucket: TokenBucket;
  private strikes = 0;
  private lastStrikeMs = 0;
  /** The client's TCP socket, written directly with prebuilt frames (see sendWire). */
  private readonly socket: Socket | null;
  /** The frames handed to this client in the current flush, written at `uncork` (reused). */
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  /**
   * ws's bufferedAmount as last read: 0 after a write the socket took whole (loopback, a
   * client keeping up), so the fan-out's per-frame check reads this object only, not ws's
   * and the socket's; read again while it is not 0. ws's own few bytes (acks, pongs) may be
   * missed until the next write, never a client's backlog of frames.
   */
  private queuedBytes = 0;

  constructor(id: number, ws: WebSocket, ip: string, tier: TierPolicy, deps: SessionDeps) {
    this.id = id;
    this.ws = ws;
    this.ip = ip;
    this.tier = tier;
    this.deps = deps;
    this.bucket = new TokenBucket({ slots: 1, ratePerSec: deps.messagesPerSecond, burst: deps.messagesPerSecond, nowMs: deps.now });
    // ws keeps its socket private. Writing whole frames to it is safe here: without
    // permessage-deflate (off on this server) ws writes every frame of its own to the socket
    // synchronously, so frames never interleave, and ws's bufferedAmount counts these bytes.
    this.socket = (ws as unknown as { _socket?: Socket })._socket ?? null;
  }

  get subscriptionCount(): number {
    return this.subs.size;
  }

  /** Bytes queued to the client: ws's (its socket's) and this flush's frames not yet written. */
  bufferedAmount(): number {
    if (this.queuedBytes !== 0) this.queuedBytes = this.ws.bufferedAmount;
    return this.queuedBytes + this.pendingBytes;
  }

  /** A JSON payload through ws (control replies, status). */
  send(frame: Buffer): void {
    if (this.closed) return;
    this.ws.send(frame, TEXT);
    this.framesSent++;
    this.bytesSent += frame.length;
  }

  /**
   * Keeps the frame for this flush's one write (`uncork`). A flush writes each client once:
   * one frame as it is, several joined into one buffer, so each costs a socket write (and a
   * TCP segment) per client per flush, not per frame, and nothing passes through the socket's
   * stream machinery per frame (a corked stream's write queues an entry per chunk).
   */
  sendWire(wire: Buffer, fan: FanOut): void {
    if (this.closed || this.socket === null) return;
    // ws's readyState is checked once per write, at the uncork.
    if (this.pending.length === 0) fan.corkedOne(this);
    this.pending.push(wire);
    this.pendingBytes += wire.length;
    this.framesSent++;
    this.bytesSent += wire.length;
  }

  uncork(): void {
    const pending = this.pending;
    const n = pending.length;
    if (n === 0) return;
    const socket = this.socket;
    if (!this.closed && socket !== null && this.ws.readyState === 1) {
      socket.write(n === 1 ? pending[0] : Buffer.concat(pending, this.pendingBytes));
      // ws's bufferedAmount less its sender's queue (used only with permessage-deflate, off here).
      this.queuedBytes = socket.writableLength;
    }
    pending.length = 0;
    this.pendingBytes = 0;
  }

  closeSlow(): void {
    if (this.closed) return;
    this.deps.errors.count('TW_ERR_GW_SLOW_CONSUMER');
    this.closeWith(CloseCode.SlowConsumer, 'TW_ERR_GW_SLOW_CONSUMER');
  }

  /** Closes with `code`; cuts the socket if the close handshake does not finish (a client that stopped reading). */
  closeWith(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close(code, reason);
    const ws = this.ws;
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** The socket closed: leave every topic. */
  onClose(): void {
    this.closed = true;
    for (const sub of this.subs.values()) this.deps.registry.unsubscribe(sub);
    this.subs.clear();
  }

  onMessage(data: RawData, isBinary: boolean): void {
    this.messagesReceived++;
    const now = this.deps.now();
    if (!this.bucket.take(0)) {
      if (now - this.lastStrikeMs > STRIKE_WINDOW_MS) this.strikes = 0;
      this.strikes++;
      this.lastStrikeMs = now;
      if (this.strikes >= this.deps.abuseStrikes) {
        this.deps.errors.count('TW_ERR_GW_ABUSE');
        this.reply('TW_ERR_GW_ABUSE', `more than ${this.deps.abuseStrikes} messages over the limit of ${this.deps.messagesPerSecond} per second: closing`);
        this.closeWith(CloseCode.PolicyViolation, 'TW_ERR_GW_ABUSE');
        return;
      }
      this.reply('TW_ERR_GW_RATE_LIMITED', `at most ${this.deps.messagesPerSecond} messages per second; this one was dropped`);
      return;
    }
    if (isBinary) {
      this.reply('TW_ERR_GW_BINARY', 'messages are JSON text frames');
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawText(data));
    } catch (err) {
      this.reply('TW_ERR_GW_BAD_JSON', `not JSON: ${(err as Error).message}`);
      return;
    }
    const id = requestIdOf(parsed);
    const op = typeof parsed === 'object' && parsed !== null ? (parsed as { op?: unknown }).op : undefined;
    if (typeof op !== 'string' || !(GATEWAY_OPS as readonly string[]).includes(op)) {
      this.reply('TW_ERR_GW_UNKNOWN_OP', `op must be one of ${GATEWAY_OPS.join(', ')}; got ${JSON.stringify(op) ?? 'none'}`, id);
      return;
    }
    const result = clientMessageSchema.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0];
      const keys = (issue as { keys?: string[] }).keys;
      const field = issue.path.length > 0 ? issue.path.join('.') : keys !== undefined ? keys.join(', ') : '';
      this.reply('TW_ERR_GW_BAD_MESSAGE', `${field === '' ? '' : `${field}: `}${issue.message}`, id);
      return;
    }
    this.handle(result.data);
  }

  private handle(m: ClientMessage): void {
    if (m.op === 'ping') {
      this.ws.send(JSON.stringify(m.id === undefined ? { type: 'pong' } : { type: 'pong', id: m.id }));
      return;
    }
    if (m.op === 'subscribe') this.subscribe(m);
    else this.unsubscribe(m);
  }

  private subscribe(m: SubscriptionRequest): void {
    const book = this.deps.lookup(m.symbol);
    if (book === null) {
      this.reply('TW_ERR_GW_UNKNOWN_SYMBOL', `unknown symbol ${JSON.stringify(m.symbol)}; GET /v1/symbols lists them`, m.id);
      return;
    }
    const tier = this.tier;
    if (!tier.channels.has(m.channel)) {
      const need = lowestTierWith(this.deps.policies, m.channel);
      this.reply('TW_ERR_GW_TIER', `channel ${m.channel} needs the ${need ?? 'no'} tier; this connection is ${tier.name}`, m.id);
      return;
    }
    const depth = m.channel === 'book' ? (m.depth ?? defaultBookDepth(tier)) : undefined;
    if (depth !== undefined && depth > tier.maxDepth) {
      this.reply('TW_ERR_GW_TIER', `book depth ${depth} is beyond the ${tier.name} tier (at most ${tier.maxDepth})`, m.id);
      return;
    }
    const interval = m.channel === 'candles' ? (m.interval ?? '1m') : undefined;
    const key = subscriptionKey(m.channel, book.symbol, depth, interval);
    if (this.subs.has(key)) {
      this.reply('TW_ERR_GW_ALREADY_SUBSCRIBED', `already subscribed to ${key}`, m.id);
      return;
    }
    if (this.subs.size >= this.deps.maxSubscriptions) {
      this.reply('TW_ERR_GW_TOO_MANY_SUBSCRIPTIONS', `at most ${this.deps.maxSubscriptions} subscriptions per connection`, m.id);
      return;
    }
    const { subscription, snapshot } = this.deps.registry.subscribe(this, m.channel, book, depth ?? interval ?? 0, tier.updatesPerSecond);
    this.subs.set(key, subscription);
    this.ack(m, depth, interval);
    if (snapshot !== null) {
      this.sendWire(snapshot, this.deps.registry.fan);
      this.deps.registry.fan.uncorkAll();
    }
  }

  private unsubscribe(m: SubscriptionRequest): void {
    const depth = m.channel === 'book' ? (m.depth ?? defaultBookDepth(this.tier)) : undefined;
    const interval = m.channel === 'candles' ? (m.interval ?? '1m') : undefined;
    const key = subscriptionKey(m.channel, m.symbol, depth, interval);
    const sub = this.subs.get(key);
    if (sub === undefined) {
      this.reply('TW_ERR_GW_NOT_SUBSCRIBED', `not subscribed to ${key}`, m.id);
      return;
    }
    this.subs.delete(key);
    this.deps.registry.unsubscribe(sub);
    this.ack(m, depth, interval);
  }

  private ack(m: SubscriptionRequest, depth: number | undefined, interval: string | undefined): void {
    const out: Record<string, unknown> = { type: 'ack', op: m.op, channel: m.channel, symbol: m.symbol };
    if (depth !== undefined) out.depth = depth;
    if (interval !== undefined) out.interval = interval;
    if (m.id !== undefined) out.id = m.id;
    this.ws.send(JSON.stringify(out));
  }

  /** An error message to this client; the connection stays. Counted by code. */
  reply(code: GatewayErrorCode, message: string, id?: string | number): void {
    this.deps.errors.count(code);
    if (this.ws.readyState !== 1) return;
    this.ws.send(JSON.stringify(id === undefined ? { type: 'error', code, message } : { type: 'error', code, message, id }));
  }
}

export function subscriptionKey(channel: string, symbol: string, depth: number | undefined, interval: string | undefined): string {
  return `${channel}:${symbol}${depth !== undefined ? `:${depth}` : ''}${interval !== undefined ? `:${interval}` : ''}`;
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function requestIdOf(parsed: unknown): string | number | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const id = (parsed as { id?: unknown }).id;
  return (typeof id === 'string' && id.length <= 64) || (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) ? id : undefined;
}
