// gateway/: the retail websocket gateway and the HTTP market-data API (with the web page),
// over any MarketDataSource (book/): the publisher in its process, or a feed handler at the
// edge. Imports only config/, protocol/ and book/; history comes in through MarketHistory.
export { Gateway, type GatewayOptions, type GatewayFigures } from './gateway-server';
export { KeyStore, hashKey, type ApiKeyRecord } from './key-store';
export { GatewayError, GatewayErrorCodes, CloseCode, type GatewayErrorCode } from './errors';
export type { MarketHistory } from './market-history';
export type { ExtraGauge } from './metrics';
// Parts the benchmarks drive on their own.
export { FanOut } from './fan-out';
export { SubscriptionRegistry } from './subscription-registry';
export { tierPolicies } from './tiers';
export { LatencyHistogram } from './latency-histogram';
export { wsFramePayloadLength } from './ws-frame';
