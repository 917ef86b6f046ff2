// Publisher -> fault relay -> FeedHandler, all in this process on real multicast sockets:
// the publisher (InProcessFeed) sends on two groups, the relay (FaultRelay) loses, repeats
// or reorders per line and forwards to two more, where the handler listens, with the
// publisher's rewinder and snapshot server behind it. What the fault and candle tests share.
import { FeedHandler, type FeedHandlerOptions } from '../../feed-handler';
import { FaultRelay, type LineFaults } from './feed-relay';
import { InProcessFeed, SESSION_DATE, type InProcessFeedOptions } from './in-process-feed';
import { freeUdpPort } from './ports';

const IFACE = '127.0.0.1';

export interface RelayedFeed {
  feed: InProcessFeed;
  relay: FaultRelay;
  handler: FeedHandler | null;
  handlerGroups: [string, string];
  handlerPorts: [number, number];
  /** Starts the handler on the relay's groups (`extra` over the defaults). */
  startHandler(extra?: Partial<FeedHandlerOptions>): Promise<FeedHandler>;
  close(): Promise<void>;
}

/** On groups `${groupPrefix}.<base+1..4>`: the handler's two, then the publisher's two. */
export async function relayedFeed(
  groupPrefix: string,
  base: number,
  faults: [LineFaults, LineFaults],
  seed: number,
  feedOptions: Pick<InProcessFeedOptions, 'symbols' | 'simOrdersPerSec'>,
): Promise<RelayedFeed> {
  const handlerGroups: [string, string] = [`${groupPrefix}.${base + 1}`, `${groupPrefix}.${base + 2}`];
  const publisherGroups: [string, string] = [`${groupPrefix}.${base + 3}`, `${groupPrefix}.${base + 4}`];
  const handlerPorts: [number, number] = [await freeUdpPort(), await freeUdpPort()];
  const relay = await FaultRelay.open(publisherGroups, [{ group: handlerGroups[0], port: handlerPorts[0] }, { group: handlerGroups[1], port: handlerPorts[1] }], faults, seed);
  const feed = await InProcessFeed.start({
    seed,
    ...feedOptions,
    lineA: { group: publisherGroups[0], port: relay.fromPorts[0] },
    lineB: { group: publisherGroups[1], port: relay.fromPorts[1] },
  });
  const r: RelayedFeed = {
    feed,
    relay,
    handler: null,
    handlerGroups,
    handlerPorts,
    async startHandler(extra = {}) {
      const handler = new FeedHandler({
        session: feed.session,
        sessionDate: SESSION_DATE,
        lineA: { group: handlerGroups[0], port: handlerPorts[0] },
        lineB: { group: handlerGroups[1], port: handlerPorts[1] },
        rewinder: { host: IFACE, port: feed.rewinderPort },
        snapshot: { host: IFACE, port: feed.snapshotPort },
        staleAfterMs: 2000,
        ...extra,
      });
      await handler.start();
      r.handler = handler;
      return handler;
    },
    async close() {
      await r.handler?.close();
      await feed.close();
      await relay.close();
    },
  };
  return r;
}
