import { AccountError, AccountErrorKind } from '../accounts';
import { OrderEntryError, OrderEntryErrorCodes, fromDirectoryError, httpStatus, trafficReason } from './errors';

describe('the order-entry catalogue', () => {
  test('every code is TW_ERR_OE_ and unique; answers carry 4xx/5xx statuses', () => {
    expect(new Set(OrderEntryErrorCodes).size).toBe(OrderEntryErrorCodes.length);
    for (const code of OrderEntryErrorCodes) expect(code).toMatch(/^TW_ERR_OE_[A-Z_]+$/);
    expect(httpStatus('TW_ERR_OE_DUPLICATE_CLIENT_ORDER_ID')).toBe(409);
    expect(httpStatus('TW_ERR_OE_KYC_NOT_APPROVED')).toBe(403);
    expect(httpStatus('TW_ERR_OE_CORE_TIMEOUT')).toBe(504);
  });

  test('a refusal body names code, message, and field or reason when there is one', () => {
    expect(new OrderEntryError('TW_ERR_OE_BAD_PRICE', 'no', { field: 'price' }).body()).toEqual({ code: 'TW_ERR_OE_BAD_PRICE', message: 'no', field: 'price' });
    expect(new OrderEntryError('TW_ERR_OE_CANCEL_REJECTED', 'no', { reason: 'TW_REJECT_X' }).body()).toEqual({ code: 'TW_ERR_OE_CANCEL_REJECTED', message: 'no', reason: 'TW_REJECT_X' });
  });

  test("accounts/' refusals become ours; anything else is the database failing", () => {
    expect(fromDirectoryError(new AccountError(AccountErrorKind.SessionLimit, 'full')).code).toBe('TW_ERR_OE_TOO_MANY_SESSIONS');
    expect(fromDirectoryError(new AccountError(AccountErrorKind.BadCredentials, 'no')).code).toBe('TW_ERR_OE_BAD_CREDENTIALS');
    expect(fromDirectoryError(new AccountError(AccountErrorKind.BadName, 'x', 'name'))).toMatchObject({ code: 'TW_ERR_OE_BAD_FIELD', field: 'name' });
    expect(fromDirectoryError(new AccountError(AccountErrorKind.Database, 'disk'))).toMatchObject({ code: 'TW_ERR_OE_ACCOUNTS_FAILED', status: 503 });
    expect(fromDirectoryError(new Error('boom')).code).toBe('TW_ERR_OE_ACCOUNTS_FAILED');
    expect(trafficReason(AccountErrorKind.AbnormalRate)).toBe('TW_ERR_SESSION_ABNORMAL_RATE');
  });
});
