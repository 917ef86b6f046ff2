// accounts/: the account database (SQLite through node:sqlite): accounts, API keys,
// passwords, the KYC audit, server-side sessions, plus the pure guards the client gateway
// puts in front of trading (IP rules, abnormal-traffic detection).
export { AccountsDb, type AccountsDbOptions } from './accounts-db';
export {
  AccountStore,
  type AccountStoreOptions,
  type CreateAccountOptions,
  type CreatedAccount,
  type ApiKeyInfo,
  type NewApiKey,
  type ApiKeyAuth,
  type AuditEntry,
  type AuditField,
  type AccountListFilter,
} from './account-store';
export {
  SessionStore,
  type SessionStoreOptions,
  type LoginContext,
  type SessionInfo,
  type NewSession,
  type SessionPurpose,
  type SuspensionRecord,
  type SessionCounts,
} from './session-store';
export { AbnormalTrafficDetector, type AbnormalTrafficOptions, type TrafficVerdict } from './abnormal-traffic-detector';
export { IpRules, parseIpRule, type IpRulesOptions, type IpRule } from './ip-rules';
export {
  type Account,
  type AccountStatus,
  type KycState,
  ACCOUNT_STATUSES,
  KYC_STATES,
  HOUSE_ACCOUNT_ID,
  MAX_ACCOUNT_ID,
  tradingRefusal,
  isAccountId,
} from './account';
export {
  AccountError,
  AccountErrorKind,
  type AccountErrorCode,
  ACCOUNT_ERROR_CODES,
  accountErrorName,
  isAccountError,
  newRefusalCounts,
  type RefusalCounts,
} from './errors';
export { DEFAULT_SCRYPT, type ScryptParams } from './password-hasher';
export { DEFAULT_PASSWORD_POLICY, BINARY_PASSWORD_MAX, type PasswordPolicy } from './password-policy';
export { API_KEY_PREFIX, SESSION_TOKEN_PREFIX } from './secret-token';
export { LOGIN_ID_PATTERN, type RandomBytes } from './login-id';
export { SCHEMA_VERSION } from './schema';
