// Entitlement tiers: what each may subscribe to, how deep, how often (config gateway.tiers).
import type { GatewayConfig } from '../config';
import type { GatewayChannel, GatewayTier } from '../protocol';

export interface TierPolicy {
  readonly name: GatewayTier;
  readonly channels: ReadonlySet<GatewayChannel>;
  readonly maxDepth: number;
  /** 0: real time; else conflated to this many updates per second per symbol and channel. */
  readonly updatesPerSecond: number;
}

export const TIER_ORDER: readonly GatewayTier[] = ['free', 'pro', 'premium'];

export function tierPolicies(config: GatewayConfig): Record<GatewayTier, TierPolicy> {
  const make = (name: GatewayTier): TierPolicy => {
    const t = config.tiers[name];
    return { name, channels: new Set(t.channels), maxDepth: t.maxDepth, updatesPerSecond: t.updatesPerSecond };
  };
  return { free: make('free'), pro: make('pro'), premium: make('premium') };
}

/** The lowest tier that has `channel` (for error messages), or null. */
export function lowestTierWith(policies: Record<GatewayTier, TierPolicy>, channel: GatewayChannel): GatewayTier | null {
  for (const t of TIER_ORDER) if (policies[t].channels.has(channel)) return t;
  return null;
}

/** The websocket book depth a subscription without `depth` gets: the deepest the tier allows. */
export function defaultBookDepth(policy: TierPolicy): 5 | 10 {
  return policy.maxDepth >= 10 ? 10 : 5;
}

/** True if tier `a` is at least tier `b`. */
export function tierAtLeast(a: GatewayTier, b: GatewayTier): boolean {
  return TIER_ORDER.indexOf(a) >= TIER_ORDER.indexOf(b);
}
