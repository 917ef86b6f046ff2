import { DisposerStack } from './disposer-stack';

describe('DisposerStack', () => {
  test('closes newest first, each once, even when called twice', async () => {
    const stack = new DisposerStack();
    const order: string[] = [];
    stack.defer('lines', () => void order.push('lines'));
    stack.defer('rewinder', async () => void order.push('rewinder'));
    stack.defer('gateway', () => void order.push('gateway'));
    const [a, b] = await Promise.all([stack.close(), stack.close()]);
    expect(order).toEqual(['gateway', 'rewinder', 'lines']);
    expect(a).toEqual([]);
    expect(b).toBe(a);
    expect(stack.size).toBe(0);
  });

  test('a piece that fails to close does not keep the others open, and is named', async () => {
    const stack = new DisposerStack();
    const closed: string[] = [];
    stack.defer('lines', () => void closed.push('lines'));
    stack.defer('snapshot', () => {
      throw new Error('EBADF');
    });
    stack.defer('storage', () => void closed.push('storage'));
    const errors = await stack.close();
    expect(closed).toEqual(['storage', 'lines']);
    expect(errors.map((e) => e.message)).toEqual(['closing snapshot: EBADF']);
  });

  test('a start that fails part way closes what it started and rethrows its own error', async () => {
    const stack = new DisposerStack();
    const closed: string[] = [];
    const bind = new Error('TW_ERR_PUB_BIND: 127.0.0.1:30004 in use');
    await expect(
      stack.unwindOnError(async () => {
        stack.defer('lines', () => void closed.push('lines'));
        stack.defer('rewinder', () => void closed.push('rewinder'));
        throw bind;
      }),
    ).rejects.toBe(bind);
    expect(closed).toEqual(['rewinder', 'lines']);
    expect(() => stack.defer('late', () => undefined)).toThrow(/after close began/);
  });
});
