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
export { FixAcceptor, startFixAcceptor, DEFAULT_FIX_LIMITS, type FixAcceptorDeps, type FixAcceptorFigures, type FixGatewayPieces, type FixLimits } from './fix-acceptor';
