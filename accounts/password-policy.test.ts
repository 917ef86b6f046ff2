import { AccountErrorKind } from './errors';
import { DEFAULT_PASSWORD_POLICY, passwordProblem } from './password-policy';

describe('passwordProblem', () => {
  test('length, control characters and surrounding spaces', () => {
    const p = DEFAULT_PASSWORD_POLICY;
    expect(passwordProblem('eight ch', p)).toBe(AccountErrorKind.None);
    expect(passwordProblem('seven c', p)).toBe(AccountErrorKind.BadPassword);
    expect(passwordProblem('x'.repeat(128), p)).toBe(AccountErrorKind.None);
    expect(passwordProblem('x'.repeat(129), p)).toBe(AccountErrorKind.PasswordTooLong);
    expect(passwordProblem('nul\u0000inside', p)).toBe(AccountErrorKind.BadPassword);
    expect(passwordProblem(' leading-space', p)).toBe(AccountErrorKind.BadPassword);
    expect(passwordProblem(12345678, p)).toBe(AccountErrorKind.BadPassword);
  });
});
