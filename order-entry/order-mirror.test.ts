import { mulberry32, type ExecutionReport, type OrderReport } from '../protocol';
import { OrderMirror } from './order-mirror';

function report(over: Partial<OrderReport>): OrderReport {
  return {
    kind: 'order', requestId: 0, account: 7, orderId: 1, ref: 1, clientOrderId: 'c1', locate: 1, side: 'B', orderType: 'L',
    price: 1_000_000, shares: 100, filledShares: 0, remainingShares: 100, status: 'new', reject: '', filledNotional: 0,
    creationNs: 1000, updateNs: 1000, seq: 1, ...over,
  };
}

function execution(over: Partial<ExecutionReport>): ExecutionReport {
  return {
    kind: 'execution', account: 7, executionId: 2, matchNumber: 1, orderId: 1, clientOrderId: 'c1', locate: 1, side: 'B',
    orderType: 'L', price: 1_000_000, shares: 10, liquidity: 'A', timeNs: 2000, seq: 2, ...over,
  };
}

describe('OrderMirror', () => {
  test('an order follows its reports and is found by clientOrderId', () => {
    const m = new OrderMirror();
    m.applyOrder(report({}));
    m.applyOrder(report({ status: 'partiallyFilled', filledShares: 10, remainingShares: 90, updateNs: 2000 }));
    expect(m.order(7, 1)).toMatchObject({ status: 'partiallyFilled', filledShares: 10, remainingShares: 90, firstShares: 100 });
    expect(m.byClientOrderId(7, 'c1')?.orderId).toBe(1);
    expect(m.byClientOrderId(8, 'c1')).toBeNull();
    expect(m.orders(7, 'open')).toHaveLength(1);
  });

  test('a refused cancel leaves the order as it was', () => {
    const m = new OrderMirror();
    m.applyOrder(report({}));
    m.applyOrder(report({ status: 'new', reject: 'TW_REJECT_SOMETHING', remainingShares: 0 }));
    m.applyOrder(report({ status: 'rejected', reject: 'TW_REJECT_UNKNOWN_ORDER', locate: 0 }));
    expect(m.order(7, 1)).toMatchObject({ status: 'new', remainingShares: 100, reject: '' });
  });

  test('refusals that name no order of the account are not mirrored', () => {
    const m = new OrderMirror();
    expect(m.applyOrder(report({ orderId: 0, status: 'rejected', reject: 'TW_REJECT_BAD_CLIENT_ORDER_ID', remainingShares: 0 }))).toBe(-1);
    expect(m.applyOrder(report({ orderId: 77, locate: 0, clientOrderId: '', status: 'rejected', reject: 'TW_REJECT_UNKNOWN_ORDER' }))).toBe(-1);
    expect(m.orderAt(m.applyOrder(report({ orderId: 5, status: 'rejected', reject: 'TW_REJECT_INSUFFICIENT_FUNDS', remainingShares: 0 })))).toMatchObject({ status: 'rejected', reject: 'TW_REJECT_INSUFFICIENT_FUNDS' });
    expect(m.orders(7, 'all').map((o) => o.orderId)).toEqual([5]);
  });

  test('the house account is never mirrored', () => {
    const m = new OrderMirror();
    expect(m.applyOrder(report({ account: 0 }))).toBe(-1);
    expect(m.applyExecution(execution({ account: 0 }))).toBe(false);
    expect(m.figures).toMatchObject({ accounts: 0, orders: 0, executions: 0 });
  });

  test('past the bound the order that closed longest ago goes first; with thousands open, forgetting stays cheap', () => {
    const m = new OrderMirror({ ordersPerAccount: 3, executionsPerAccount: 4 });
    m.applyOrder(report({ orderId: 1, clientOrderId: 'a' }));
    m.applyOrder(report({ orderId: 2, clientOrderId: 'b' }));
    m.applyOrder(report({ orderId: 3, clientOrderId: 'c' }));
    m.applyOrder(report({ orderId: 3, clientOrderId: 'c', status: 'cancelled', remainingShares: 0 }));
    m.applyOrder(report({ orderId: 2, clientOrderId: 'b', status: 'filled', filledShares: 100, remainingShares: 0 }));
    m.applyOrder(report({ orderId: 4, clientOrderId: 'd' }));
    expect(m.orders(7, 'all').map((o) => o.orderId)).toEqual([1, 2, 4]); // 3 closed before 2
    expect(m.byClientOrderId(7, 'c')).toBeNull();
    // 20,000 open orders past a bound of 10,000, then closed ones: each new order forgets one at once.
    const big = new OrderMirror({ ordersPerAccount: 10_000, executionsPerAccount: 4 });
    for (let i = 1; i <= 20_000; i++) big.applyOrder(report({ orderId: i, clientOrderId: `o${i}` }));
    expect(big.figures.ordersForgotten).toBe(0);
    for (let i = 20_001; i <= 30_000; i++) big.applyOrder(report({ orderId: i, clientOrderId: `o${i}`, status: 'filled', filledShares: 100, remainingShares: 0 }));
    expect(big.figures.ordersForgotten).toBe(10_000);
    expect(big.orders(7, 'open')).toHaveLength(20_000);
  });

  test('past the bound the oldest closed orders are forgotten, open ones kept', () => {
    const m = new OrderMirror({ ordersPerAccount: 3, executionsPerAccount: 4 });
    m.applyOrder(report({ orderId: 1, clientOrderId: 'open-1' }));
    m.applyOrder(report({ orderId: 2, clientOrderId: 'done-2', status: 'filled', remainingShares: 0, filledShares: 100 }));
    m.applyOrder(report({ orderId: 3, clientOrderId: 'done-3', status: 'cancelled', remainingShares: 0 }));
    m.applyOrder(report({ orderId: 4, clientOrderId: 'open-4' }));
    expect(m.orders(7, 'all').map((o) => o.orderId)).toEqual([1, 3, 4]);
    expect(m.byClientOrderId(7, 'done-2')).toBeNull();
    expect(m.figures).toMatchObject({ orders: 3, ordersForgotten: 1 });
  });

  test('executions are bounded and filtered by symbol, order and time', () => {
    const m = new OrderMirror({ ordersPerAccount: 10, executionsPerAccount: 4 });
    for (let i = 1; i <= 6; i++) m.applyExecution(execution({ executionId: i, timeNs: i * 1000, locate: i % 2 === 0 ? 2 : 1, orderId: i }));
    // 6 > 4 x 1.25: trimmed to the latest 4.
    expect(m.executions(7).map((e) => e.executionId)).toEqual([3, 4, 5, 6]);
    expect(m.executions(7, { locate: 2 }).map((e) => e.executionId)).toEqual([4, 6]);
    expect(m.executions(7, { orderId: 5 }).map((e) => e.executionId)).toEqual([5]);
    expect(m.executions(7, { fromNs: 4000, toNs: 5000 }).map((e) => e.executionId)).toEqual([4, 5]);
    expect(m.executions(99)).toEqual([]);
  });
});

/** The mirror as it was (a Map of objects per account): the typed arrays must answer as it did. */
interface ModelAccount {
  orders: Map<number, Record<string, unknown>>;
  byId: Map<string, Record<string, unknown>>;
  closed: Array<Record<string, unknown>>;
  executions: ExecutionReport[];
}

class ModelMirror {
  readonly accounts = new Map<number, ModelAccount>();
  forgotten = 0;
  constructor(private readonly cap: number, private readonly execCap: number) {}
  apply(r: OrderReport): void {
    if (r.account === 0) return;
    let a = this.accounts.get(r.account);
    if (a === undefined) this.accounts.set(r.account, (a = { orders: new Map(), byId: new Map(), closed: [], executions: [] }));
    let o = a.orders.get(r.orderId);
    const open = (s: unknown): boolean => s === 'new' || s === 'partiallyFilled';
    if (o === undefined) {
      if (r.orderId === 0 || (r.status === 'rejected' && r.locate === 0)) return;
      o = { orderId: r.orderId, account: r.account, clientOrderId: r.clientOrderId, locate: r.locate, side: r.side, orderType: r.orderType, firstPrice: r.price, firstShares: r.shares, price: r.price, shares: r.shares, filledShares: r.filledShares, remainingShares: r.remainingShares, filledNotional: r.filledNotional, status: r.status, reject: r.status === 'rejected' ? r.reject : '', creationNs: r.creationNs, updateNs: r.updateNs };
      a.orders.set(r.orderId, o);
      if (r.clientOrderId !== '' && !a.byId.has(r.clientOrderId)) a.byId.set(r.clientOrderId, o);
      if (!open(o.status)) a.closed.push(o);
      if (a.orders.size > this.cap) {
        const f = a.closed.shift();
        if (f !== undefined) {
          a.orders.delete(f.orderId as number);
          if (a.byId.get(f.clientOrderId as string) === f) a.byId.delete(f.clientOrderId as string);
          this.forgotten++;
        }
      }
      return;
    }
    if (r.reject !== '') return;
    Object.assign(o, { price: r.price, shares: r.shares, filledShares: r.filledShares, remainingShares: r.remainingShares, filledNotional: r.filledNotional, updateNs: r.updateNs });
    if (open(o.status) && !open(r.status)) a.closed.push(o);
    o.status = r.status;
  }
  execution(e: ExecutionReport): void {
    if (e.account === 0) return;
    const a: ModelAccount = this.accounts.get(e.account) ?? { orders: new Map(), byId: new Map(), closed: [], executions: [] };
    this.accounts.set(e.account, a);
    a.executions.push(e);
    if (a.executions.length > this.execCap) a.executions.shift();
  }
}

describe('OrderMirror in typed arrays, against the object model', () => {
  const seed = Number(process.env.TW_SEED ?? 19);
  test(`random reports (new, fills, cancels, refusals, reused ids, odd ids) read back as the model has them (seed ${seed}, TW_SEED)`, () => {
    const next = mulberry32(seed);
    const rnd = (n: number): number => Math.floor(next() * n);
    const statuses = ['new', 'partiallyFilled', 'filled', 'cancelled', 'rejected'] as const;
    for (let round = 0; round < 4; round++) {
      const cap = 1 + rnd(40);
      const execCap = 1 + rnd(30);
      const m = new OrderMirror({ ordersPerAccount: cap, executionsPerAccount: execCap });
      const model = new ModelMirror(cap, execCap);
      let nextId = 1;
      const known: Array<{ account: number; orderId: number; clientOrderId: string }> = [];
      for (let step = 0; step < 4000; step++) {
        const account = rnd(4); // 0 is the house
        const k = rnd(10);
        if (k < 4 || known.length === 0) {
          // A new order: ids sometimes reused, sometimes odd (long, non-ASCII), sometimes empty.
          const orderId = rnd(50) === 0 ? 0 : nextId++;
          const idKind = rnd(20);
          const clientOrderId = idKind === 0 ? '' : idKind === 1 ? `long-${'x'.repeat(40)}-${rnd(5)}` : idKind === 2 ? `é${rnd(9)}→${rnd(3)}` : `c${rnd(idKind < 5 ? 20 : 1_000_000)}`;
          const status = statuses[rnd(10) < 6 ? 0 : rnd(5)];
          const r = report({ account, orderId, clientOrderId, status, locate: rnd(30) === 0 ? 0 : 1 + rnd(5), side: rnd(2) === 0 ? 'B' : 'S', orderType: (['L', 'I', 'M'] as const)[rnd(3)], price: rnd(1000) * 100, shares: 1 + rnd(500), reject: status === 'rejected' ? `TW_REJECT_R${rnd(4)}` : '', creationNs: step, updateNs: step });
          m.applyOrder(r);
          model.apply(r);
          if (orderId !== 0) known.push({ account, orderId, clientOrderId });
        } else if (k < 9) {
          const o = known[rnd(known.length)];
          const filled = rnd(100);
          // An order closes once: after that its reports keep the closed status (a late duplicate).
          const now = model.accounts.get(o.account)?.orders.get(o.orderId)?.status as string | undefined;
          const status = now === undefined || now === 'new' || now === 'partiallyFilled' ? statuses[rnd(5)] : (now as (typeof statuses)[number]);
          const r = report({ account: o.account, orderId: o.orderId, clientOrderId: o.clientOrderId, status, filledShares: filled, remainingShares: rnd(100), filledNotional: filled * 7, price: rnd(1000) * 100, reject: rnd(8) === 0 ? 'TW_REJECT_TOO_LATE' : '', updateNs: step + 0.5 });
          m.applyOrder(r);
          model.apply(r);
        } else {
          const e = execution({ account, executionId: step, orderId: rnd(nextId), clientOrderId: `c${rnd(100)}`, locate: 1 + rnd(3), timeNs: step, liquidity: rnd(2) === 0 ? 'A' : 'R', side: rnd(2) === 0 ? 'B' : 'S' });
          m.applyExecution(e);
          model.execution(e);
        }
        if (step % 997 === 0 || step === 3999) {
          for (const [acct, a] of model.accounts) {
            expect(m.orders(acct, 'all')).toEqual([...a.orders.values()]);
            expect(m.orders(acct, 'open')).toEqual([...a.orders.values()].filter((o) => o.status === 'new' || o.status === 'partiallyFilled'));
            for (const [id, o] of a.byId) expect(m.byClientOrderId(acct, id)).toEqual(o);
            for (const o of a.orders.values()) expect(m.order(acct, o.orderId as number)).toEqual(o);
            expect(m.executions(acct)).toEqual(a.executions);
          }
          for (const o of known) {
            const a = model.accounts.get(o.account);
            expect(m.order(o.account, o.orderId)).toEqual(a?.orders.get(o.orderId) ?? null);
            expect(m.hasClientOrderId(o.account, o.clientOrderId)).toBe(a?.byId.has(o.clientOrderId) === true);
          }
          expect(m.figures.ordersForgotten).toBe(model.forgotten);
        }
      }
    }
  });
});
