import { Writable } from 'node:stream';
import { createLogger, humanLine } from './logger';

function sink(isTTY: boolean): { out: Writable & { isTTY: boolean }; lines: string[] } {
  const lines: string[] = [];
  const out = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
    { isTTY },
  );
  return { out, lines };
}

describe('logger', () => {
  test('a pipe gets JSON lines carrying the error code', async () => {
    const { out, lines } = sink(false);
    const log = createLogger({ level: 'info', format: 'auto' }, out);
    log.warn({ code: 'TW_ERR_STORAGE_WRITE', sequence: 42 }, 'storage: write failed');
    log.debug('not at info');
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(rec).toMatchObject({ level: 40, code: 'TW_ERR_STORAGE_WRITE', sequence: 42, msg: 'storage: write failed' });
  });

  test('a terminal gets one human line per record', async () => {
    const { out, lines } = sink(true);
    const log = createLogger({ level: 'info', format: 'auto' }, out);
    log.error({ code: 'TW_ERR_GW_BIND', port: 8080 }, 'cannot listen');
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR TW_ERR_GW_BIND cannot listen port=8080\n$/);
  });

  test('a line that is not JSON passes through unchanged', () => {
    expect(humanLine('plain text')).toBe('plain text');
  });
});
