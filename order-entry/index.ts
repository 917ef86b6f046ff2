// order-entry/: the client gateway on its own port (8081): REST orders and sessions, the
// private websocket, admin routes for `tickwire accounts`, validation, rate limits and
// authentication. Imports only config/, protocol/ and accounts/; the exchange core comes
// in through protocol's TradingPort, the account database through the interfaces below.
export { OrderEntry, startOrderEntry, DEFAULT_LIMITS, type OrderEntryDeps, type OrderEntryLimits, type OrderEntryAddress } from './order-entry-server';
export {
  silentLogger,
  type AccountDirectory,
  type AccountStatus,
  type AccountView,
  type Awaitable,
  type IpAccess,
  type KycState,
  type NewAccountOptions,
  type OrderEntryLogger,
  type SessionDirectory,
  type SessionView,
  type SuspensionView,
  type TrafficWatch,
} from './directories';
export { OrderEntryError, OrderEntryErrorCodes, CloseCode, httpStatus, type OrderEntryErrorCode } from './errors';
export { DEFAULT_MIRROR_BOUNDS, type MirrorBounds } from './order-mirror';
export {
  OuchServer,
  startOuchServer,
  type OuchServerDeps,
  type OuchServerAddress,
  type OuchServerFigures,
  type OuchAccountDirectory,
  type OuchAccountView,
} from './ouch-server';
export { OuchClient, type OuchClientOptions, type OuchLogin, type ReceivedOuch } from './ouch-client';
export type { FixAcceptor, FixAcceptorDeps, FixAcceptorFigures, FixGatewayPieces, FixLimits } from './fix-acceptor';

/**
 * The FIX acceptor's module (FixAcceptor, startFixAcceptor, DEFAULT_FIX_LIMITS), loaded on
 * first use: jspurefix, with mathjs under it, takes 1-2.3 s to load on this machine, which
 * every process that never speaks FIX would otherwise pay at start (an HA node with order
 * entry off, a standby joining during a failover, the feed and gateway commands).
 */
export function loadFixAcceptor(): typeof import('./fix-acceptor') {
  return require('./fix-acceptor') as typeof import('./fix-acceptor');
}
