// bench:replication's standby, forked (another process, as another host would be): a real
// StandbyReplicator appending to its own journal with group-commit fdatasync and
// acknowledging, its engine applying every replicated batch as a hot standby's does
// (LiveSim.applyReplicated's copy loop). argv: host, port, journal file, symbols.
// IPC: sends {type: 'ready'} once it follows; on 'stop' sends {type: 'figures', ...} and exits.
import { loadConfig } from '../config';
import { EngineEventRing, EngineEventRingReader, EngineEventRingWriter } from '../protocol';
import { StandbyReplicator, type StandbyFigures } from '../ha';
import { COMMAND_SIZE, CommandBuffer, JOURNAL_RECORD_SIZE, JournalWriter, MatchingEngine } from '../sim';

export interface StandbyReady {
  type: 'ready';
}

/** This process's CPU so far (user + system, us): asked with 'cpu' at the bench's phase boundaries. */
export interface StandbyCpu {
  type: 'cpu';
  cpuUs: number;
  /** Of it, in the kernel (socket reads, journal writes, fdatasync). */
  systemUs: number;
}

export interface StandbyReport {
  type: 'figures';
  standby: StandbyFigures;
  applied: number;
  /** This process's CPU over its life, microseconds (user + system). */
  cpuUs: number;
}

const [host, portText, file, symbolsText, engineText] = process.argv.slice(2);
// '0': journal and acknowledge only, no engine (to tell the standby's engine's share of the cost).
const withEngine = engineText !== '0';
const symbols = Number(symbolsText);
const config = loadConfig({ flags: { 'sim.symbols': symbols, 'sim.ordersPerSec': 0 } });

const ring = EngineEventRing.create(1 << 12);
const reader = new EngineEventRingReader(ring);
// No publisher here: the events are dropped in place, as bench/engine.ts's consumer does.
const release = (): void => reader.advance(reader.available());
const engine = new MatchingEngine(
  {
    symbols,
    orderCapacity: config.engine.orderCapacity,
    levelCapacity: config.engine.levelCapacity,
    maxOrderShares: config.engine.maxOrderShares,
    tickSize: config.engine.tickSize,
  },
  new EngineEventRingWriter(ring, { onRingFull: release }),
);

// Module-local copies: CommonJS re-exports are getters, and this loop runs per record.
const CMD_SIZE = COMMAND_SIZE;
const CMD_WORDS = COMMAND_SIZE >> 2;
const RECORD_BYTES = JOURNAL_RECORD_SIZE;
const cmds = new CommandBuffer(256);
let applied = 0;
function apply(records: Uint8Array, count: number): void {
  const dst = cmds.i32;
  const aligned = records.byteOffset % 4 === 0 ? records : records.slice(0, count * RECORD_BYTES);
  const src = new Int32Array(aligned.buffer, aligned.byteOffset, (count * RECORD_BYTES) >> 2);
  let k = 0;
  for (let i = 0; i < count; i++) {
    const w = (i * RECORD_BYTES) >> 2;
    const d = (k * CMD_SIZE) >> 2;
    for (let j = 0; j < CMD_WORDS; j++) dst[d + j] = src[w + 2 + j];
    engine.apply(cmds, k * CMD_SIZE);
    if (++k === cmds.capacity || i === count - 1) {
      engine.publish();
      release();
      k = 0;
    }
  }
  applied += count;
}

const journal = new JournalWriter(file, { ...config.journal, flush: 'batch', fsync: true });
journal.markRecovered(0);
const standby = new StandbyReplicator({ journal, nodeName: 'bench-standby', reconnectMs: 20, onBatch: withEngine ? apply : undefined });
standby.follow(host, Number(portText));
const send = (m: StandbyReady | StandbyReport | StandbyCpu): void => void process.send?.(m);
send({ type: 'ready' });
process.on('message', (m: unknown) => {
  if (m === 'cpu') {
    const c = process.cpuUsage();
    send({ type: 'cpu', cpuUs: c.user + c.system, systemUs: c.system });
    return;
  }
  if (m !== 'stop') return;
  standby.stop();
  const cpu = process.cpuUsage();
  send({ type: 'figures', standby: standby.figures(), applied, cpuUs: cpu.user + cpu.system });
  journal.close();
  process.disconnect?.();
});
