import { type Account, isAccountId, MAX_ACCOUNT_ID, tradingRefusal } from './account';

const base: Account = {
  id: 1,
  name: 'a',
  loginId: 'ABC123',
  kyc: 'approved',
  status: 'active',
  riskClass: 'retail',
  allowShort: false,
  cancelOnDisconnect: false,
  killSwitch: false,
  hasPassword: true,
  createdMs: 0,
};

describe('account rules', () => {
  test('only an active, approved account without its kill switch trades; suspension is said first', () => {
    expect(tradingRefusal(base)).toBeNull();
    expect(tradingRefusal({ ...base, kyc: 'pending' })).toBe('TW_ERR_ACCOUNT_NOT_APPROVED');
    expect(tradingRefusal({ ...base, kyc: 'rejected' })).toBe('TW_ERR_ACCOUNT_NOT_APPROVED');
    expect(tradingRefusal({ ...base, killSwitch: true })).toBe('TW_ERR_ACCOUNT_KILL_SWITCH');
    expect(tradingRefusal({ ...base, status: 'suspended', kyc: 'pending', killSwitch: true })).toBe('TW_ERR_ACCOUNT_SUSPENDED');
  });

  test('account ids are 1..2^31-1: 0 is the house account', () => {
    expect(isAccountId(0)).toBe(false);
    expect(isAccountId(1)).toBe(true);
    expect(isAccountId(MAX_ACCOUNT_ID)).toBe(true);
    expect(isAccountId(MAX_ACCOUNT_ID + 1)).toBe(false);
    expect(isAccountId(1.5)).toBe(false);
    expect(isAccountId('1')).toBe(false);
  });
});
