import { errorCatalogue } from './error-catalogue';
import { Fault } from './errors';

describe('errorCatalogue', () => {
  test('codes and names come from one list; unknown codes get the prefix and their number', () => {
    const c = errorCatalogue({ None: [0, 'TW_OK'], Torn: [1, 'TW_ERR_TORN', 'read it again'], Late: [2, 'TW_ERR_LATE'] }, { unknownPrefix: 'TW_ERR_X_' });
    expect(c.codes).toEqual({ None: 0, Torn: 1, Late: 2 });
    expect(c.names).toEqual(['TW_OK', 'TW_ERR_TORN', 'TW_ERR_LATE']);
    expect(c.hints).toEqual(['', 'read it again', '']);
    expect(c.kinds).toBe(3);
    expect(c.name(c.codes.Late)).toBe('TW_ERR_LATE');
    expect(c.name(7)).toBe('TW_ERR_X_7');
    const { name } = c; // a plain function, fit to export as it is
    expect(name(1)).toBe('TW_ERR_TORN');
  });

  test('code 0 may be named without a key; without a prefix an unknown code has no name', () => {
    const c = errorCatalogue({ Crossed: [1, 'TW_ERR_CROSSED'] }, { zero: 'TW_OK' });
    expect(c.names).toEqual(['TW_OK', 'TW_ERR_CROSSED']);
    expect(Object.keys(c.codes)).toEqual(['Crossed']);
    expect(c.name(5)).toBeUndefined();
  });

  test('codes that repeat, leave a gap or are not small integers are refused at load', () => {
    expect(() => errorCatalogue({ A: [0, 'TW_OK'], B: [0, 'TW_ERR_B'] })).toThrow(/entry B: code 0 is already TW_OK/);
    expect(() => errorCatalogue({ A: [0, 'TW_OK'], C: [2, 'TW_ERR_C'] })).toThrow(/no entry has code 1/);
    expect(() => errorCatalogue({ A: [1, 'TW_ERR_A'] })).toThrow(/no entry has code 0/);
    expect(() => errorCatalogue({ A: [0.5, 'TW_ERR_A'] })).toThrow(/code 0.5 is not an integer/);
    expect(() => errorCatalogue({ A: [0, 'TW_OK'], B: [1, 'TW_OK'] })).not.toThrow(); // names are the caller's to keep unique
  });

  test('codes keep their literal types (checked by the compiler)', () => {
    const unknownType: 2 = Fault.UnknownType;
    // @ts-expect-error a code is its own literal, not any number
    const wrong: 3 = Fault.UnknownType;
    const c = errorCatalogue({ A: [0, 'TW_OK'], B: [1, 'TW_ERR_B'] });
    const b: 1 = c.codes.B;
    type Code = (typeof c.codes)[keyof typeof c.codes];
    const codes: Code[] = [0, 1];
    expect([unknownType, wrong, b, codes]).toEqual([2, 2, 1, [0, 1]]);
  });
});
