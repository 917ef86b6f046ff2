// Every Tickwire setting, its default and its bounds. Objects are strict so a typo
// in a config file is an error, not a silently ignored key.
import { z } from 'zod';

const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const orderMixSchema = z
  .strictObject({
    limit: z.number().min(0).default(0.45),
    cancel: z.number().min(0).default(0.4),
    marketable: z.number().min(0).default(0.1),
    replace: z.number().min(0).default(0.05),
  })
  .refine((m) => m.limit + m.cancel + m.marketable + m.replace > 0, { message: 'the order mix must not be all zero' });

export const simSchema = z.strictObject({
  /** Seed of the order-flow generator; printed with every run. */
  seed: int(0, 0xffffffff).default(1),
  /** Number of symbols (the first N of the built-in universe of 100). */
  symbols: int(1, 100).default(100),
  /** Average orders per second at a live pace (0: as fast as possible). */
  ordersPerSec: z.number().min(0).max(10_000_000).default(3000),
  /** Stop after this many orders (0: until stopped). */
  orders: int(0, Number.MAX_SAFE_INTEGER).default(0),
  /** Peak-to-trough ratio of the U-shaped intraday intensity (1: flat). */
  intradayPeakRatio: z.number().min(1).max(20).default(4),
  /** Resting orders per symbol the order flow hovers around. */
  restingPerSymbol: int(10, 1_000_000).default(300),
  /** Commands generated, journaled and matched together (fixed, so seeded runs repeat). */
  batchSize: int(1, 65_536).default(256),
  mix: orderMixSchema.default({ limit: 0.45, cancel: 0.4, marketable: 0.1, replace: 0.05 }),
});

export const engineSchema = z.strictObject({
  /** Orders resting at once before the order pool grows (it doubles when full). */
  orderCapacity: int(1024, 1 << 26).default(1 << 20),
  /** Price levels at once before the level pool grows. */
  levelCapacity: int(256, 1 << 24).default(1 << 16),
  /** Largest accepted order, in shares. */
  maxOrderShares: int(1, 0xffffffff).default(10_000_000),
  /** Price increment in Price(4) units (100 = one cent). */
  tickSize: int(1, 10_000).default(100),
  /** Engine events the ring to the publisher holds. */
  ringCapacity: int(64, 1 << 26).default(1 << 18),
});

export const journalSchema = z.strictObject({
  /** Journal file ({date} becomes the session date, YYYY-MM-DD); empty for none. */
  path: z.string().default('data/journal/{date}.journal'),
  /** 'batch': write (and optionally fsync) after every batch; 'interval': every flushIntervalMs. */
  flush: z.enum(['batch', 'interval']).default('batch'),
  flushIntervalMs: int(1, 60_000).default(5),
  /**
   * Group commit: an fsync runs beside the engine (one in flight; when it returns, every
   * record written before it began is durable) and order entry acknowledges only durable
   * commands. Off: a written record counts as durable (it survives the process, not the machine).
   */
  fsync: z.boolean().default(true),
  /** Bytes buffered before a write is forced whatever the policy. */
  bufferBytes: int(4096, 1 << 30).default(1 << 20),
});

/** One feed line: a multicast group and its UDP port (FEED.md: lines A and B carry identical packets). */
const multicastGroup = z.ipv4().refine((ip) => {
  const first = Number(ip.split('.')[0]);
  return first >= 224 && first <= 239;
}, { message: 'a feed line group must be an IPv4 multicast address (224.0.0.0 to 239.255.255.255)' });

export const feedLineSchema = z.strictObject({
  group: multicastGroup,
  port: int(1, 65535),
});

/** A feed line whose fields each default, so `--set publisher.lineA.port=N` alone is enough. */
function feedLine(group: string, port: number) {
  return z.strictObject({ group: multicastGroup.default(group), port: int(1, 65535).default(port) }).default({ group, port });
}

export const publisherSchema = z.strictObject({
  /** MoldUDP64 session, up to 10 printable ASCII characters; '' derives it from the session date ("TW" + YYYYMMDD). */
  session: z
    .string()
    .max(10)
    .regex(/^[\x20-\x7e]*$/, { message: 'the session must be printable ASCII' })
    .default(''),
  /** Largest UDP payload of a feed packet in bytes (FEED.md: 1,472, an Ethernet MTU). */
  maxPayloadBytes: int(64, 65507).default(1472),
  /** Recent messages kept for retransmission, addressable by sequence number (40 bytes + 1 each). */
  storeCapacity: int(1024, 1 << 26).default(1 << 21),
  /**
   * The rewinder: MoldUDP64 retransmission requests over unicast UDP (FEED.md, "Retransmission
   * request"). Every answer is one packet of at most maxPayloadBytes, so the limits below bound
   * what it can be made to send (publisher/README.md, "Rewinder").
   */
  rewinder: z
    .strictObject({
      /** Address the rewinder listens on (IPv4). */
      host: z.ipv4().default('127.0.0.1'),
      /** UDP port (0: any free port). */
      port: int(0, 65535).default(30003),
      /** Messages answered per request at most (a larger count is cut to this, then to what fits one packet). */
      maxMessagesPerRequest: int(1, 65534).default(1000),
      /** Requests a second per requester (address:port), a token bucket that also allows a burst of this many. */
      maxRequestsPerSecond: int(1, 1_000_000).default(50),
      /** Requesters tracked at once; idle ones are forgotten, and a new one beyond this is refused. */
      maxRequesters: int(1, 1 << 20).default(4096),
      /** Answers a second from all requesters together (the bound on its total output). */
      maxAnswersPerSecond: int(1, 10_000_000).default(5000),
      /**
       * Answer requests older than the message store from the journal: a worker thread replays
       * the journal into an ITCH file of the day beside it (`<journal>.itch`). Needs a journal.
       */
      archive: z.boolean().default(true),
      /** How often the archiver looks for new journal records, in ms. */
      archivePollMs: int(10, 60_000).default(250),
    })
    .default({ host: '127.0.0.1', port: 30003, maxMessagesPerRequest: 1000, maxRequestsPerSecond: 50, maxRequesters: 4096, maxAnswersPerSecond: 5000, archive: true, archivePollMs: 250 }),
  /**
   * The snapshot server for late joiners: SoupBinTCP 4.0 over TCP (FEED.md, "Snapshot"). It
   * sends the books as of one sequence number, then End of Snapshot naming the first live one.
   */
  snapshot: z
    .strictObject({
      /** Address the snapshot server listens on (IPv4). */
      host: z.ipv4().default('127.0.0.1'),
      /** TCP port (0: any free port). */
      port: int(0, 65535).default(30004),
      /** Login Request username (SoupBinTCP: at most 6 characters). */
      username: z.string().max(6).default('tw'),
      /** Login Request password (SoupBinTCP: at most 10 characters). */
      password: z.string().max(10).default('tickwire'),
      /** Connections at once; one more is refused (each being sent a snapshot holds a buffer of it). */
      maxClients: int(1, 65536).default(16),
      /** A connection that has not logged in after this long is closed. */
      loginTimeoutMs: int(1, 3_600_000).default(5000),
    })
    .default({ host: '127.0.0.1', port: 30004, username: 'tw', password: 'tickwire', maxClients: 16, loginTimeoutMs: 5000 }),
  /**
   * Where the publisher runs: 'engine', in the exchange core's own loop (one busy thread; the
   * default, for machines with few cores), or 'own', the exchange core on a worker thread
   * and the publisher (lines, rewinder, snapshot, gateway) on the main thread, the two
   * joined by the SharedArrayBuffer event ring.
   */
  thread: z.enum(['engine', 'own']).default('engine'),
  /** Longest a message waits in a part-filled packet before it is sent. */
  maxDelayUs: int(0, 1_000_000).default(100),
  /** Also send a packet at the end of every engine event group (one command's events); off: packets fill per drained batch. */
  flushOnGroupEnd: z.boolean().default(false),
  lineA: feedLine('239.192.10.1', 30001),
  lineB: feedLine('239.192.10.2', 30002),
  /** Local interface address the multicast is sent from. */
  interface: z.ipv4().default('127.0.0.1'),
  /** Multicast TTL (1: the local network only). */
  ttl: int(0, 255).default(1),
  /** Socket send buffer per line, bytes (the kernel may cap it at net.core.wmem_max). */
  sendBufferBytes: int(65536, 1 << 30).default(4 << 20),
  /** Most packets a second on each line (0: unpaced); above it packets queue, never drop. */
  maxPacketsPerSec: int(0, 10_000_000).default(0),
  /** Packet buffers preallocated for sends in flight and the pacing queue (maxPayloadBytes each). */
  queuePackets: int(16, 1 << 20).default(4096),
  /**
   * For networks without multicast: "host:port" receivers that each get every packet, in a
   * freshly shuffled order per packet. When set, the multicast lines are not used.
   */
  unicastDestinations: z
    .array(z.string().regex(/^[^:\s]+:\d{1,5}$/, { message: 'a unicast destination is host:port, for example 127.0.0.1:31001' }))
    .default([]),
  /** Seed of the unicast shuffle (0: from the clock; the seed used is printed). */
  unicastSeed: int(0, 0xffffffff).default(0),
  /** A heartbeat goes out after this long without a packet. */
  heartbeatIntervalMs: int(10, 60_000).default(1000),
  /** End-of-session packets repeated after the first (at the end of the day). */
  endOfSessionRepeats: int(0, 100).default(3),
  /** Gap between end-of-session repeats. */
  endOfSessionIntervalMs: int(1, 60_000).default(1000),
});

/** Persistence: the columnar store, history queries and the end-of-day export (storage/README.md). */
export const storageSchema = z.strictObject({
  /** 'duckdb' (embedded, a file at `path`), 'questdb' (a server at `questdb.url`) or 'off'. */
  engine: z.enum(['duckdb', 'questdb', 'off']).default('duckdb'),
  /** The DuckDB database file. */
  path: z.string().min(1).default('data/tickwire.duckdb'),
  questdb: z
    .strictObject({
      /** QuestDB's HTTP endpoint: ILP/HTTP writes and /exec queries. */
      url: z.url().default('http://127.0.0.1:9000'),
    })
    .default({ url: 'http://127.0.0.1:9000' }),
  /** L2 top-10 snapshots of the books that changed, every this many ms of feed time. */
  snapshotIntervalMs: int(10, 3_600_000).default(1000),
  /**
   * 64-byte slots in the ring from the publisher to the writer thread (2^17 = 8 MB). A block
   * of up to 128 messages takes one slot (the writer reads the messages from the publisher's
   * message store), an L2 snapshot 6: 2^17 slots name more messages than the store's default
   * 2^21 holds, so how far the writer may fall behind is set by publisher.storeCapacity.
   */
  ringSlots: int(1024, 1 << 26).default(1 << 17),
  /** Records stored per transaction at most. */
  batchRecords: int(64, 1 << 24).default(1 << 18),
  /** Least time between commits while fewer than batchRecords wait: a quiet market is stored in a few large transactions a second. */
  commitIntervalMs: int(0, 60_000).default(250),
  /** After a failed open or write, the writer retries this often. */
  retryMs: int(10, 600_000).default(1000),
  /** DuckDB's worker threads for the writer's database (0: DuckDB's default, one per core; 1 leaves the other core to the publisher). */
  duckdbThreads: int(0, 256).default(1),
  export: z
    .strictObject({
      /** node-cron expression of the end-of-day export ('' for none): 16:05 Monday to Friday. */
      schedule: z.string().default('5 16 * * 1-5'),
      timezone: z.string().min(1).default('America/New_York'),
      /** Where the Parquet files go (Hive partitions date=/symbol= under trades/, candles/, feed_messages/). */
      outDir: z.string().min(1).default('data/export'),
    })
    .default({ schedule: '5 16 * * 1-5', timezone: 'America/New_York', outDir: 'data/export' }),
});

/** One entitlement tier of the websocket gateway (gateway/README.md). */
export const gatewayTierSchema = z.strictObject({
  /** Channels this tier may subscribe to. */
  channels: z.array(z.enum(['l1', 'book', 'orders', 'trades', 'candles'])).min(1),
  /** Deepest book this tier may see (websocket depth 5 or 10; HTTP depth up to it). */
  maxDepth: int(1, 1000),
  /** Updates per second per symbol and channel, conflated (0: real time, every event-loop turn). */
  updatesPerSecond: int(0, 1000),
});

const freeTier = gatewayTierSchema.parse({ channels: ['l1', 'trades', 'candles', 'book'], maxDepth: 5, updatesPerSecond: 10 });
const proTier = gatewayTierSchema.parse({ channels: ['l1', 'trades', 'candles', 'book'], maxDepth: 10, updatesPerSecond: 0 });
const premiumTier = gatewayTierSchema.parse({ channels: ['l1', 'trades', 'candles', 'book', 'orders'], maxDepth: 10, updatesPerSecond: 0 });

/** The websocket gateway and HTTP market-data API, in the publisher's process. */
export const gatewaySchema = z.strictObject({
  /** Start it with `tickwire run` and `tickwire publish`. */
  enabled: z.boolean().default(true),
  /** Address the HTTP/websocket server listens on. */
  host: z.string().min(1).default('127.0.0.1'),
  /** TCP port (0: any free port). */
  port: int(0, 65535).default(8080),
  /** API keys: only their SHA-256 is stored (`tickwire keys create`). */
  keysFile: z.string().default('data/keys.json'),
  /** The server pings every client this often and drops one that did not answer the last ping. */
  pingIntervalMs: int(50, 600_000).default(20_000),
  /** Websocket connections at once, all addresses. */
  maxConnections: int(1, 1_000_000).default(20_000),
  /** Websocket connections at once from one IP address. */
  maxConnectionsPerIp: int(1, 1_000_000).default(200),
  /** Client messages per second per connection (a token bucket with a burst of this many). */
  messagesPerSecond: int(1, 10_000).default(5),
  /** Messages refused for rate in a row before the connection is closed as abusive (1008). */
  abuseStrikes: int(1, 100_000).default(20),
  /** Subscriptions per connection. */
  maxSubscriptions: int(1, 10_000).default(50),
  /** Largest client message in bytes; a larger one closes the connection (1009). */
  maxPayloadBytes: int(64, 1 << 20).default(4096),
  /** Past this many bytes queued to a client, book/l1/candles/orders updates are skipped and a fresh snapshot follows when it catches up. */
  softBufferedBytes: int(1024, 1 << 30).default(256 * 1024),
  /** Past this many bytes queued to a client, it is closed with 4001 (slow consumer). */
  hardBufferedBytes: int(4096, 1 << 30).default(4 << 20),
  /**
   * Real-time tiers (updatesPerSecond 0) publish at most this often after an event-group
   * boundary, all changes since in one update (0: every event-loop turn, ~1 ms under the live sim).
   */
  realtimeIntervalMs: int(0, 1000).default(20),
  /**
   * Timed flushes (real time above, conflated tiers) publish one share of the symbols every
   * this many ms, so a group's writes to thousands of clients spread over its interval rather
   * than block the event loop in one burst (0: every symbol of a group at once).
   */
  flushTickMs: int(0, 1000).default(5),
  /** HTTP requests per second per IP address, and per API key for keyed requests (@fastify/rate-limit: 2 s windows of twice this). */
  httpRequestsPerSecond: int(1, 1_000_000).default(100),
  /** Recent executions kept in memory per symbol for /v1/marketdata/trades and the trades channel. */
  executionsPerSymbol: int(16, 1 << 20).default(4096),
  /** Seed of the fan-out shuffle (0: from the clock; the seed used is reported). */
  shuffleSeed: int(0, 0xffffffff).default(0),
  tiers: z
    .strictObject({
      free: gatewayTierSchema.default(freeTier),
      pro: gatewayTierSchema.default(proTier),
      premium: gatewayTierSchema.default(premiumTier),
    })
    .default({ free: freeTier, pro: proTier, premium: premiumTier }),
});

/** One risk class of accounts: the limits the core checks before an order reaches the book. */
export const riskClassSchema = z.strictObject({
  /** The name accounts carry (`tickwire accounts create --risk-class NAME`). */
  name: z.string().min(1).max(32),
  /** Largest order, in shares. */
  maxOrderShares: int(1, 0xffffffff).default(100_000),
  /** Largest order notional (price x shares), in dollars. */
  maxOrderNotional: z.number().positive().max(1e12).default(1_000_000),
  /** Fat-finger collar: a limit price further than this fraction from the reference price is refused; a market buy reserves at reference x (1 + collar). */
  priceCollar: z.number().positive().max(10).default(0.1),
  /** Open orders at once. */
  maxOpenOrders: int(1, 1_000_000).default(500),
});

const retailClass = { name: 'retail', maxOrderShares: 100_000, maxOrderNotional: 1_000_000, priceCollar: 0.1, maxOpenOrders: 500 };
const institutionalClass = { name: 'institutional', maxOrderShares: 5_000_000, maxOrderNotional: 100_000_000, priceCollar: 0.2, maxOpenOrders: 100_000 };

/** The client gateway (order entry): its own port, apart from the public market-data gateway. */
export const orderEntrySchema = z.strictObject({
  /** Start it with `tickwire run`. */
  enabled: z.boolean().default(true),
  host: z.string().min(1).default('127.0.0.1'),
  /** REST, sessions and the private websocket (0: any free port). */
  port: int(0, 65535).default(8081),
  /** The account database (SQLite). */
  accountsPath: z.string().default('data/accounts.sqlite'),
  /** The admin token of `tickwire accounts` (written at start, mode 0600; admin routes answer only loopback callers holding it). */
  adminTokenFile: z.string().default('data/order-entry-admin.token'),
  /** Logged-in sessions at once per account; past it a login is refused. */
  maxSessionsPerAccount: int(1, 10_000).default(10),
  /** A session unused this long expires. */
  sessionIdleMinutes: int(1, 60 * 24 * 30).default(60),
  /** A session expires this long after login whatever its use. */
  sessionMaxHours: int(1, 24 * 365).default(24),
  /** Orders per second per account (a token bucket with a burst of twice this). */
  ordersPerSecondPerAccount: int(1, 1_000_000).default(200),
  /** Requests per second per IP address, all routes. */
  requestsPerSecondPerIp: int(1, 1_000_000).default(500),
  /** Client addresses or CIDR blocks allowed (empty: all). */
  allow: z.array(z.string()).default([]),
  /** Client addresses or CIDR blocks refused (wins over allow). */
  deny: z.array(z.string()).default([]),
  /** Abnormal traffic: a session whose order rate passes this multiple of its account's norm (and ordersPerSecondFloor) is suspended. */
  abnormalRateMultiple: z.number().min(1).max(1_000_000).default(20),
  abnormalRateFloor: int(1, 1_000_000).default(100),
  /** Abnormal traffic: this many rejects within rejectBurstSeconds suspends the session. */
  rejectBurst: int(1, 1_000_000).default(50),
  rejectBurstSeconds: int(1, 3600).default(5),
  /** Risk classes, by name; an account's class is one of these (the first is the default). */
  riskClasses: z.array(riskClassSchema).min(1).max(250).default([retailClass, institutionalClass]),
  /** Largest request body, bytes. */
  maxBodyBytes: int(256, 1 << 20).default(4096),
  /** FIX 4.4 acceptor (institutions): Logon with Username(553) = account name, Password(554) = password or API key. */
  fix: z
    .strictObject({
      enabled: z.boolean().default(true),
      host: z.string().min(1).default('127.0.0.1'),
      port: int(0, 65535).default(9878),
      /** Our SenderCompID(49); clients send it as TargetCompID(56). */
      senderCompId: z.string().min(1).max(32).default('TICKWIRE'),
      /** Where session sequence numbers and sent messages are kept for resends within the day. */
      storePath: z.string().default('data/fix'),
    })
    .default({ enabled: true, host: '127.0.0.1', port: 9878, senderCompId: 'TICKWIRE', storePath: 'data/fix' }),
  /** OUCH 4.2 over SoupBinTCP 3.0 (low-latency firms): login with the account's loginId and password. */
  ouch: z
    .strictObject({
      enabled: z.boolean().default(true),
      host: z.string().min(1).default('127.0.0.1'),
      port: int(0, 65535).default(30005),
      /** Where each session's sequenced outbound messages are kept so a client can log in again at a sequence number. */
      storePath: z.string().default('data/ouch'),
    })
    .default({ enabled: true, host: '127.0.0.1', port: 30005, storePath: 'data/ouch' }),
});

/**
 * The feed handler (`tickwire feed`). It listens to the lines, rewinder and snapshot server
 * named in the `publisher` section (one deployment file for both ends); these are its own.
 */
export const feedHandlerSchema = z.strictObject({
  /** 'auto': from sequence 1, recovering by snapshot if the first packet is far ahead; 'snapshot': load one at start. */
  join: z.enum(['auto', 'snapshot']).default('auto'),
  /** Wait after a gap is detected before asking the rewinder (the other line's copy may be on its way). */
  rewindDelayMs: int(0, 60_000).default(2),
  /** Wait for a rewinder answer before asking again (doubles per retry, up to 1 s). */
  rewindTimeoutMs: int(1, 60_000).default(50),
  /** Unanswered rewinder requests in a row before falling back to the snapshot. */
  maxRewindRetries: int(0, 1000).default(5),
  /**
   * Gaps up to this many messages are recovered from the rewinder (exact: prints and candles
   * included); larger ones, and a join this far behind, from the snapshot (candles overlapping
   * the skipped time are then marked incomplete). ~2.6 s at the default pace.
   */
  maxRewindMessages: int(1, 1 << 30).default(4000),
  /**
   * Rewinder requests a second at most (a burst of as many), so a long gap is asked at a pace
   * the rewinder answers rather than refuses: keep it under publisher.rewinder.maxRequestsPerSecond.
   */
  rewindRequestsPerSecond: int(1, 1_000_000).default(40),
  /** A snapshot session that has not finished after this long fails and is retried. */
  snapshotTimeoutMs: int(1, 600_000).default(15_000),
  /** Wait before retrying a failed snapshot (doubles up to 10 s). */
  snapshotRetryMs: int(1, 600_000).default(500),
  /** No packet on either line for this long: the handler is stale (and probes the rewinder). */
  staleAfterMs: int(1, 600_000).default(3000),
  /** Live packets held while a gap is open or a snapshot loads. */
  maxBufferedPackets: int(16, 1 << 24).default(65_536),
  /** Receive buffer per line socket, bytes (the kernel may cap it at net.core.rmem_max). */
  recvBufferBytes: int(65536, 1 << 30).default(4 << 20),
});

/** Structured logs: pino JSON lines on stderr. */
export const logSchema = z.strictObject({
  /** Lowest level written (`TICKWIRE_LOG_LEVEL`). */
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** 'auto': a human line on a terminal, JSON lines otherwise; 'json' or 'pretty' to force one. */
  format: z.enum(['auto', 'json', 'pretty']).default('auto'),
});

/** High availability (ha/): a primary and a hot standby, a replicated journal, election through etcd. Off: one machine, no etcd. */
export const haSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** 'auto': campaign for leadership when the key is free (at start, or once level with the primary); 'standby': only once level with a primary. */
  role: z.enum(['auto', 'standby']).default('auto'),
  /** This node's name in etcd (default: the host name and the process id). */
  node: z.string().max(64).default(''),
  etcd: z
    .strictObject({
      /** etcd client URLs. */
      endpoints: z.array(z.string().min(1)).min(1).default(['http://127.0.0.1:2379']),
      key: z.string().min(1).default('/tickwire/leader'),
      /** Lease TTL in whole seconds: the leader renews every TTL/6 and fences itself after TTL/2 without an answer. */
      leaseTtlSec: z.number().int().min(1).max(60).default(2),
      /** How often a standby looks at the leader key, in ms. */
      pollMs: z.number().int().min(5).max(5000).default(50),
    })
    .default({ endpoints: ['http://127.0.0.1:2379'], key: '/tickwire/leader', leaseTtlSec: 2, pollMs: 50 }),
  replication: z
    .strictObject({
      /** Where this node listens for a standby when it is the primary. */
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(30010),
      /** The address standbys connect to (written in the leader key); '' means `host`. */
      advertiseHost: z.string().default(''),
    })
    .default({ host: '127.0.0.1', port: 30010, advertiseHost: '' }),
  /** The order link: stateless client gateways (`tickwire order-gateway`) forward orders to the primary here. */
  orderLink: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      /** Fixed: written in the leader key before the link listens. */
      port: z.number().int().min(1).max(65535).default(30011),
      /** The address gateways connect to (written in the leader key); '' means `host`. */
      advertiseHost: z.string().default(''),
      /** Reports each node keeps for a gateway's catch-up after a failover (rounded up to a power of two). */
      recentReports: z.number().int().min(1024).max(1 << 22).default(1 << 16),
    })
    .default({ host: '127.0.0.1', port: 30011, advertiseHost: '', recentReports: 1 << 16 }),
});

export const configSchema = z.strictObject({
  sim: simSchema.default(simSchema.parse({})),
  engine: engineSchema.default(engineSchema.parse({})),
  journal: journalSchema.default(journalSchema.parse({})),
  publisher: publisherSchema.default(publisherSchema.parse({})),
  storage: storageSchema.default(storageSchema.parse({})),
  gateway: gatewaySchema.default(gatewaySchema.parse({})),
  orderEntry: orderEntrySchema.default(orderEntrySchema.parse({})),
  feedHandler: feedHandlerSchema.default(feedHandlerSchema.parse({})),
  log: logSchema.default(logSchema.parse({})),
  ha: haSchema.default(haSchema.parse({})),
});

export type TickwireConfig = z.infer<typeof configSchema>;
export type SimConfig = z.infer<typeof simSchema>;
export type EngineConfig = z.infer<typeof engineSchema>;
export type JournalConfig = z.infer<typeof journalSchema>;
export type OrderMix = z.infer<typeof orderMixSchema>;
export type StorageConfig = z.infer<typeof storageSchema>;
export type GatewayConfig = z.infer<typeof gatewaySchema>;
export type GatewayTierConfig = z.infer<typeof gatewayTierSchema>;
export type FeedHandlerConfig = z.infer<typeof feedHandlerSchema>;
export type OrderEntryConfig = z.infer<typeof orderEntrySchema>;
export type RiskClassConfig = z.infer<typeof riskClassSchema>;
export type LogConfig = z.infer<typeof logSchema>;
export type HaConfig = z.infer<typeof haSchema>;
