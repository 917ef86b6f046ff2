import { isLaterSession, MAX_SESSIONS_PER_DAY, parseSessionName, resolveSessionName, sessionNameForDate } from './session-name';

describe('session names', () => {
  test('each session of a day has its own 10-character name; the first keeps "TW" + YYYYMMDD', () => {
    const names = Array.from({ length: MAX_SESSIONS_PER_DAY }, (_, i) => sessionNameForDate('2024-03-08', i + 1));
    expect(names.slice(0, 3)).toEqual(['TW20240308', 'T220240308', 'T320240308']);
    expect(new Set(names).size).toBe(MAX_SESSIONS_PER_DAY);
    for (const [i, n] of names.entries()) {
      expect(n).toHaveLength(10);
      expect(parseSessionName(n)).toEqual({ sessionDate: '2024-03-08', ordinal: i + 1 });
    }
    expect(() => sessionNameForDate('2024-03-08', MAX_SESSIONS_PER_DAY + 1)).toThrow(/TW_ERR_BAD_SESSION/);
    expect(() => sessionNameForDate('March 8')).toThrow(/TW_ERR_BAD_SESSION_DATE/);
  });

  test('a later session is the same day\'s next one or a later day\'s; other names never are', () => {
    expect(isLaterSession('TW20240308', 'T220240308')).toBe(true);
    expect(isLaterSession('T220240308', 'TW20240309')).toBe(true);
    expect(isLaterSession('T220240308', 'TW20240308')).toBe(false);
    expect(isLaterSession('TW20240308', 'TW20240308')).toBe(false);
    expect(isLaterSession('TWTEST0001', 'T220240308')).toBe(false);
    expect(isLaterSession('TW20240308', 'SOMEOTHER1')).toBe(false);
  });

  test('a configured name is used as it is, whatever the ordinal', () => {
    expect(resolveSessionName('DESK1', '2024-03-08', 3)).toBe('DESK1');
    expect(resolveSessionName('', '2024-03-08', 2)).toBe('T220240308');
    expect(() => resolveSessionName('ELEVENCHARS', '2024-03-08')).toThrow(/TW_ERR_BAD_SESSION/);
  });
});
