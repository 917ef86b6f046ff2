import { ACCOUNT_ERROR_CODES, AccountError, AccountErrorKind, accountErrorName, newRefusalCounts } from './errors';

describe('the accounts error catalogue', () => {
  test('every code is TW_ERR_ACCOUNT_*, TW_ERR_AUTH_* or TW_ERR_SESSION_*, and each has a counter', () => {
    const counts = newRefusalCounts();
    for (let kind = 1; kind < ACCOUNT_ERROR_CODES.length; kind++) {
      expect(ACCOUNT_ERROR_CODES[kind]).toMatch(/^TW_ERR_(ACCOUNT|AUTH|SESSION)_[A-Z_]+$/);
      expect(counts[ACCOUNT_ERROR_CODES[kind] as keyof typeof counts]).toBe(0);
    }
    expect(Object.keys(counts)).toHaveLength(ACCOUNT_ERROR_CODES.length - 1);
  });

  test('an AccountError says its code, what was wrong and what to do, and names the field', () => {
    const error = new AccountError(AccountErrorKind.SessionLimit, 'account 3 has 5 sessions', 'accountId');
    expect(error.code).toBe('TW_ERR_SESSION_LIMIT');
    expect(error.kind).toBe(AccountErrorKind.SessionLimit);
    expect(error.field).toBe('accountId');
    expect(error.message).toMatch(/^TW_ERR_SESSION_LIMIT: account 3 has 5 sessions \(.*log one out/);
    expect(accountErrorName(AccountErrorKind.RejectBurst)).toBe('TW_ERR_SESSION_REJECT_BURST');
  });
});
