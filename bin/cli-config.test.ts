import { numberFlag, resolveConfig } from './cli-config';

describe('resolveConfig', () => {
  test('--set applies when the command\'s own flag for the same setting is not given', () => {
    const c = resolveConfig({ set: ['sim.ordersPerSec=50000', 'sim.seed=9'] }, { 'sim.ordersPerSec': numberFlag(undefined), 'sim.seed': numberFlag(undefined) });
    expect(c.sim.ordersPerSec).toBe(50_000);
    expect(c.sim.seed).toBe(9);
  });

  test('the command\'s own flag wins over --set', () => {
    const c = resolveConfig({ set: ['sim.ordersPerSec=50000'] }, { 'sim.ordersPerSec': numberFlag('7000') });
    expect(c.sim.ordersPerSec).toBe(7000);
  });

  test('neither given: the default', () => {
    expect(resolveConfig({}, { 'sim.ordersPerSec': undefined }).sim.ordersPerSec).toBe(3000);
  });
});
