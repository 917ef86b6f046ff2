// The client gateway wired to the exchange core and the account database: what `tickwire
// run` starts beside the feed. Order of start-up matters:
//   1. the gateway is constructed (its report listener registered) before anything awaits,
//      so a restart's replayed reports, held by the core, rebuild its order mirror;
//   2. on a fresh session, each account's settings are journaled into the new session (the
//      previous session's closing balances were, before this: live-feed.ts, wallet-carry.ts);
//   3. only then does it listen.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AbnormalTrafficDetector, AccountStore, AccountsDb, IpRules, SessionStore } from '../accounts';
import { listing, type TickwireConfig } from '../config';
import { type FixAcceptor, loadFixAcceptor, OrderEntry, OuchServer, type OrderEntryLogger } from '../order-entry';
import type { TradingPort } from '../protocol';
import { InlineSim, LiveSim } from '../sim';
import type { Logger } from './logger';

export interface OrderEntryService {
  readonly server: OrderEntry;
  readonly accounts: AccountStore;
  readonly url: string;
  /** OUCH 4.2 over SoupBinTCP (null when orderEntry.ouch.enabled is false). */
  readonly ouch: OuchServer | null;
  /** Where OUCH listens, 'host:port' ('' when off). */
  readonly ouchAddress: string;
  /** FIX 4.4 acceptor (null when orderEntry.fix.enabled is false). */
  readonly fix: FixAcceptor | null;
  /** Where FIX listens, 'host:port' ('' when off). */
  readonly fixAddress: string;
  /** Accounts opened and balances carried into this session, for the banner ('' when nothing was: a resumed session whose opening was complete). */
  readonly carried: string;
  /** Stops taking orders; `endOfDay` first tells OUCH sessions (System Event E). Idempotent. */
  close(endOfDay?: boolean): Promise<void>;
}

export interface OrderEntryWiring {
  trading: TradingPort;
  logger: Logger;
  /** The journal of this session; '' without one. */
  journalPath: string;
  /** True when the session resumed after a restart (its journal already holds the accounts' settings and balances). */
  resumed: boolean;
  /** What the core's process carried into this session, for the banner ('' or absent: nothing). */
  carried?: string;
  sessionDate: string;
}

/** Writes a fresh admin token for `tickwire accounts`, readable by this user only. */
function writeAdminToken(file: string): string {
  const token = randomBytes(24).toString('base64url');
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

export async function startOrderEntryService(config: TickwireConfig, wiring: OrderEntryWiring): Promise<OrderEntryService> {
  const oe = config.orderEntry;
  if (oe.accountsPath !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(oe.accountsPath)), { recursive: true });
  const db = new AccountsDb(oe.accountsPath, { busyTimeoutMs: 5_000 });
  const accounts = new AccountStore(db);
  const sessions = new SessionStore(db, {
    maxSessionsPerAccount: oe.maxSessionsPerAccount,
    idleTimeoutMs: oe.sessionIdleMinutes * 60_000,
    absoluteTimeoutMs: oe.sessionMaxHours * 3_600_000,
  });
  const traffic = new AbnormalTrafficDetector({
    rateFactor: oe.abnormalRateMultiple,
    minRatePerSec: oe.abnormalRateFloor,
    rejectBurst: oe.rejectBurst,
    rejectWindowMs: oe.rejectBurstSeconds * 1000,
  });
  const ipAccess = new IpRules({ allow: oe.allow, deny: oe.deny });
  const adminToken = writeAdminToken(oe.adminTokenFile);
  const gw = config.gateway;
  const corsOrigins = gw.enabled ? [...new Set([`http://${gw.host}:${gw.port}`, `http://localhost:${gw.port}`, `http://127.0.0.1:${gw.port}`])] : [];
  const symbols = listing(config.sim.symbols);
  const logger: OrderEntryLogger = wiring.logger;
  const server = new OrderEntry({
    config,
    trading: wiring.trading,
    accounts,
    sessions,
    traffic,
    ipAccess,
    adminToken,
    symbols,
    logger,
    sessionDate: wiring.sessionDate,
    corsOrigins,
  });
  // In the same turn as the gateway: the protocol sessions hear the replayed reports too.
  // The core in this process: the OUCH stores sync while the journal syncs (WrittenReportSource).
  const trading = wiring.trading;
  const written = trading instanceof InlineSim ? trading.sim : trading instanceof LiveSim ? trading : undefined;
  const ouch = oe.ouch.enabled ? new OuchServer({ config, orderEntry: server, accounts, symbols, logger, sessionDate: wiring.sessionDate, written }) : null;
  const fix = oe.fix.enabled ? new (loadFixAcceptor().FixAcceptor)({ config: oe.fix, engine: config.engine, gateway: server, accounts, symbols, logger, sessionDate: wiring.sessionDate }) : null;
  let closing: Promise<void> | null = null;
  const close = (endOfDay = false): Promise<void> => {
    closing ??= (async () => {
      if (fix !== null) await fix.close();
      if (ouch !== null) {
        if (endOfDay) ouch.endOfDay();
        await ouch.close();
      }
      await server.close();
      db.close();
    })();
    return closing;
  };
  let carried = wiring.carried ?? '';
  try {
    if (!wiring.resumed) {
      const opened = await openSession(config, server, accounts);
      carried = [opened, carried].filter((t) => t !== '').join(', ');
    }
    const address = await server.start();
    const ouchAt = ouch === null ? null : await ouch.start();
    const fixAt = fix === null ? null : await fix.start();
    return {
      server,
      accounts,
      url: address.url,
      ouch,
      ouchAddress: ouchAt === null ? '' : `${ouchAt.host}:${ouchAt.port}`,
      fix,
      fixAddress: fixAt === null ? '' : `${fixAt.host}:${fixAt.port}`,
      carried,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * A fresh session: every account's settings, journaled in this session (its balances are
 * carried by the core's process before: wallet-carry.ts), so its journal alone rebuilds
 * every account. Idempotent: settings, not balances.
 */
export async function openSession(config: TickwireConfig, server: OrderEntry, accounts: AccountStore): Promise<string> {
  const classes = config.orderEntry.riskClasses;
  const list = accounts.list();
  if (list.length === 0) return '';
  for (const a of list) {
    const riskClass = Math.max(0, classes.findIndex((c) => c.name === a.riskClass));
    await server.router.request({ kind: 'settings', account: a.id, riskClass, allowShort: a.allowShort, killSwitch: a.killSwitch });
  }
  return `${list.length} accounts opened`;
}
