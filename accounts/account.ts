// The account record and its small rules, shared by the stores and their callers.
import type { AccountErrorCode } from './errors';

export const KYC_STATES = ['pending', 'approved', 'rejected'] as const;
export type KycState = (typeof KYC_STATES)[number];

export const ACCOUNT_STATUSES = ['active', 'suspended'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/** Account id 0 is the house account (the order-flow generator): never stored here. */
export const HOUSE_ACCOUNT_ID = 0;
/** Ids fit a positive int32, the width of the account field in the exchange core's command record. */
export const MAX_ACCOUNT_ID = 2 ** 31 - 1;

export interface Account {
  id: number;
  name: string;
  /** 6 characters [A-Z0-9]: the username for OUCH/SoupBinTCP. */
  loginId: string;
  kyc: KycState;
  status: AccountStatus;
  /** The risk rule set in config (e.g. 'retail'). */
  riskClass: string;
  allowShort: boolean;
  cancelOnDisconnect: boolean;
  killSwitch: boolean;
  /** Whether a password is set (accounts may be API-key only). */
  hasPassword: boolean;
  createdMs: number;
}

/** Why this account may not send orders now, or null when it may (the gateway asks before each order). */
export function tradingRefusal(account: Account): AccountErrorCode | null {
  if (account.status !== 'active') return 'TW_ERR_ACCOUNT_SUSPENDED';
  if (account.kyc !== 'approved') return 'TW_ERR_ACCOUNT_NOT_APPROVED';
  if (account.killSwitch) return 'TW_ERR_ACCOUNT_KILL_SWITCH';
  return null;
}

export function isAccountId(id: unknown): id is number {
  return typeof id === 'number' && Number.isInteger(id) && id >= 1 && id <= MAX_ACCOUNT_ID;
}
