import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, envName, loadConfig, parseSetFlags, settingPaths } from './index';

function tmpFile(content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-config-'));
  const file = path.join(dir, 'tickwire.json');
  fs.writeFileSync(file, content);
  return file;
}

describe('loadConfig', () => {
  test('gives the defaults with no sources', () => {
    const c = loadConfig();
    expect(c.sim.seed).toBe(1);
    expect(c.sim.symbols).toBe(100);
    expect(c.sim.mix).toEqual({ limit: 0.45, cancel: 0.4, marketable: 0.1, replace: 0.05 });
    expect(c.journal.flush).toBe('batch');
  });

  test('flags override env, env overrides the file, the file overrides defaults', () => {
    const file = tmpFile(JSON.stringify({ sim: { seed: 10, symbols: 20, ordersPerSec: 50 } }));
    const c = loadConfig({
      file,
      env: { TICKWIRE_SIM_SEED: '11', TICKWIRE_SIM_SYMBOLS: '30', PATH: '/bin' },
      flags: { 'sim.seed': 12 },
    });
    expect(c.sim.seed).toBe(12);
    expect(c.sim.symbols).toBe(30);
    expect(c.sim.ordersPerSec).toBe(50);
  });

  test('one field of a feed line can be set alone; the other keeps its default; a bad group is still refused', () => {
    const c = loadConfig({ flags: { 'publisher.lineA.port': 31001 } });
    expect(c.publisher.lineA).toEqual({ group: '239.192.10.1', port: 31001 });
    expect(c.publisher.lineB).toEqual({ group: '239.192.10.2', port: 30002 });
    expect(() => loadConfig({ flags: { 'publisher.lineB.group': '10.0.0.1' } })).toThrow(/multicast/);
  });

  test('env names follow the setting paths', () => {
    expect(envName('sim.ordersPerSec')).toBe('TICKWIRE_SIM_ORDERS_PER_SEC');
    expect(settingPaths()).toContain('journal.flushIntervalMs');
    expect(settingPaths()).toContain('sim.mix.cancel');
    const c = loadConfig({ env: { TICKWIRE_JOURNAL_FLUSH_INTERVAL_MS: '20', TICKWIRE_SIM_MIX_CANCEL: '0.3' } });
    expect(c.journal.flushIntervalMs).toBe(20);
    expect(c.sim.mix.cancel).toBe(0.3);
  });

  test('reports every problem with its path at once', () => {
    const file = tmpFile(JSON.stringify({ sim: { seed: -1, symbols: 500, colour: 'red' }, journal: { flush: 'sometimes' } }));
    let error: unknown;
    try {
      loadConfig({ file, env: { TICKWIRE_SIM_NOPE: '1' }, flags: { 'engine.tickSize': 0 } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const paths = (error as ConfigError).problems.map((p) => p.path).sort();
    expect(paths).toEqual(expect.arrayContaining(['sim.seed', 'sim.symbols', 'journal.flush', 'engine.tickSize', 'TICKWIRE_SIM_NOPE']));
    expect((error as ConfigError).message).toMatch(/TW_ERR_BAD_CONFIG/);
    expect((error as ConfigError).problems.some((p) => /colour/.test(p.message) || p.path.includes('colour') || p.path === '(root)' || p.path === 'sim')).toBe(true);
  });

  test('an unreadable or non-JSON file is a problem, not a crash', () => {
    expect(() => loadConfig({ file: '/nonexistent/tickwire.json' })).toThrow(ConfigError);
    expect(() => loadConfig({ file: tmpFile('{ not json') })).toThrow(/cannot read the config file/);
  });

  test('--set pairs parse numbers, booleans and strings', () => {
    expect(parseSetFlags(['sim.seed=7', 'journal.fsync=true', 'journal.path=/tmp/x'])).toEqual({
      'sim.seed': 7,
      'journal.fsync': true,
      'journal.path': '/tmp/x',
    });
    expect(() => parseSetFlags(['nonsense'])).toThrow(ConfigError);
  });
});
