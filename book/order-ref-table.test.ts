import fc from 'fast-check';
import { commandsOptions, propertyOptions } from '../test/support/property';
import { BookStore, NIL, O_REF } from './book-store';
import { OrderRefTable } from './order-ref-table';

const TWO_32 = 4294967296;

describe('OrderRefTable (tagged open addressing, refs confirmed in the order records)', () => {
  type Model = { refs: Map<number, number>; live: number[]; next: number };
  type Real = { store: BookStore; table: OrderRefTable };
  type RefCommand = fc.Command<Model, Real>;

  // Mostly sequential refs with small gaps (as exchanges number orders), some random,
  // some near 2^53, and pairs that differ above 2^32 but share a 32-bit tag.
  type RefSpec = { kind: 'next'; gap: number } | { kind: 'small'; n: number } | { kind: 'top'; below: number } | { kind: 'tag'; hi: number; lo: number };
  const refSpec: fc.Arbitrary<RefSpec> = fc.oneof(
    { weight: 70, arbitrary: fc.integer({ min: 1, max: 3 }).map((gap): RefSpec => ({ kind: 'next', gap })) },
    { weight: 10, arbitrary: fc.integer({ min: 0, max: 999_999 }).map((n): RefSpec => ({ kind: 'small', n })) },
    { weight: 10, arbitrary: fc.integer({ min: 0, max: 999 }).map((below): RefSpec => ({ kind: 'top', below })) },
    {
      weight: 10,
      arbitrary: fc.record({ hi: fc.integer({ min: 1, max: 1000 }), lo: fc.integer({ min: 0, max: 4999 }) }).map((t): RefSpec => ({ kind: 'tag', ...t })),
    },
  );
  /** The ref a spec names (a sequential one moves the model's counter on). */
  function refOf(spec: RefSpec, model: Model): number {
    switch (spec.kind) {
      case 'next':
        return (model.next += spec.gap);
      case 'small':
        return spec.n;
      case 'top':
        return Number.MAX_SAFE_INTEGER - spec.below;
      case 'tag':
        // Same tag as an existing small ref: lo' = lo ^ imul(hi', 0x27d4eb2d) for hi' != 0.
        return spec.hi * TWO_32 + ((spec.lo ^ Math.imul(spec.hi, 0x27d4eb2d)) >>> 0);
    }
  }
  const specText = (s: RefSpec) => JSON.stringify(s);

  class Add implements RefCommand {
    constructor(readonly spec: RefSpec) {}
    check(): boolean {
      return true;
    }
    run(model: Model, { store, table }: Real): void {
      const ref = refOf(this.spec, model);
      const order = store.allocOrder();
      const added = table.add(ref, order);
      if (added !== !model.refs.has(ref)) throw new Error(`add(${ref}) said ${added} with the ref ${model.refs.has(ref) ? '' : 'not '}present`);
      if (added) {
        store.of[order * 4 + O_REF] = ref;
        model.refs.set(ref, order);
        model.live.push(ref);
      } else {
        store.freeOrder(order);
      }
    }
    toString(): string {
      return `add(${specText(this.spec)})`;
    }
  }

  class Delete implements RefCommand {
    constructor(readonly pick: number) {}
    check(model: Readonly<Model>): boolean {
      return model.live.length > 0;
    }
    run(model: Model, { store, table }: Real): void {
      const at = this.pick % model.live.length;
      const ref = model.live[at];
      model.live[at] = model.live[model.live.length - 1];
      model.live.pop();
      const order = model.refs.get(ref) as number;
      const got = table.delete(ref);
      if (got !== order) throw new Error(`delete(${ref}) gave ${got}, want ${order}`);
      model.refs.delete(ref);
      store.freeOrder(order);
    }
    toString(): string {
      return `delete(pick ${this.pick})`;
    }
  }

  /** A get of a live ref (`pick`) or of any ref (`spec`). */
  class Get implements RefCommand {
    constructor(readonly pick: number | null, readonly spec: RefSpec) {}
    check(): boolean {
      return true;
    }
    run(model: Model, { table }: Real): void {
      const ref = this.pick !== null && model.live.length > 0 ? model.live[this.pick % model.live.length] : refOf(this.spec, model);
      const expected = model.refs.has(ref) ? (model.refs.get(ref) as number) : NIL;
      const got = table.get(ref);
      if (got !== expected) throw new Error(`get(${ref}) gave ${got}, want ${expected}`);
    }
    toString(): string {
      return this.pick !== null ? `get(pick ${this.pick})` : `get(${specText(this.spec)})`;
    }
  }

  const pick = fc.nat({ max: 1_000_000 });
  // The mix of the old hand-rolled run: half adds, 30% deletes, 20% gets (half of them of live refs).
  const command: fc.Arbitrary<RefCommand> = fc.oneof(
    { weight: 50, arbitrary: refSpec.map((s) => new Add(s)) },
    { weight: 30, arbitrary: pick.map((p) => new Delete(p)) },
    { weight: 20, arbitrary: fc.tuple(fc.option(pick, { freq: 2 }), refSpec).map(([p, s]) => new Get(p, s)) },
  );

  test('agrees with Map through adds, deletes and growth', () => {
    fc.assert(
      fc.property(fc.commands([command], commandsOptions(4000)), (commands) => {
        const store = new BookStore(16, 16);
        const table = new OrderRefTable(store, 16);
        const model: Model = { refs: new Map(), live: [], next: 1 };
        fc.modelRun(() => ({ model, real: { store, table } }), commands);
        expect(table.size).toBe(model.refs.size);
        for (const [ref, order] of model.refs) if (table.get(ref) !== order) throw new Error(`get(${ref}) at the end`);
        expect(table.delete(123.5)).toBe(NIL);
      }),
      propertyOptions(100),
    );
  });
});
