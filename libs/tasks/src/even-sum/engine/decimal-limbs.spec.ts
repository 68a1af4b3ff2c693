import {
  addDecimal,
  addDigitBytes,
  addDigitGroups,
  doubleArray,
  groupsToLimbs,
  limbsToDecimal,
  toDoubleArray,
} from './decimal-limbs';
import { prng } from '../../../../../test/support/fuzz';

function randomDigits(next: () => number, length: number): string {
  let s = '';
  for (let k = 0; k < length; k++) s += String(Math.floor(next() * 10));
  return s;
}

/** The 15-digit groups of `digits` from its start, and how many digits the last one has. */
function groupsOf(digits: string): { groups: number[]; last: number } {
  const groups: number[] = [];
  for (let at = 0; at < digits.length; at += 15) groups.push(Number(digits.slice(at, at + 15)));
  return { groups, last: digits.length % 15 || 15 };
}

describe('decimal limbs', () => {
  it('writes 0 for no limbs and for limbs that cancel out', () => {
    const sut: number[] = [];
    expect(limbsToDecimal(sut)).toBe('0');
    addDecimal(sut, '123456789012345678901234567890');
    addDecimal(sut, '-123456789012345678901234567890');
    expect(limbsToDecimal(sut)).toBe('0');
  });

  it('adds and subtracts numbers of 1 to 200 digits exactly, as BigInt does', () => {
    const next = prng(7);
    const sut: number[] = [];
    let want = 0n;
    for (let k = 0; k < 2000; k++) {
      const digits = randomDigits(next, 1 + Math.floor(next() * 200));
      const negative = next() < 0.5;
      const bytes = Buffer.from(digits, 'latin1');
      const { groups, last } = groupsOf(digits);
      if (k % 3 === 0) addDigitBytes(sut, bytes, 0, bytes.length, negative);
      else if (k % 3 === 1) addDigitGroups(sut, groups, last, negative);
      else addDecimal(sut, (negative ? '-' : '') + digits);
      want += (negative ? -1n : 1n) * BigInt(digits);
      expect(limbsToDecimal(sut)).toBe(want.toString());
    }
  });

  it('carries through long runs of 9s and borrows through long runs of 0s', () => {
    const sut: number[] = [];
    const nines = '9'.repeat(300);
    addDecimal(sut, nines);
    addDecimal(sut, '1');
    expect(limbsToDecimal(sut)).toBe('1' + '0'.repeat(300));
    addDecimal(sut, '-2');
    expect(limbsToDecimal(sut)).toBe('9'.repeat(299) + '8');
    addDecimal(sut, '-' + '1' + '0'.repeat(301));
    expect(limbsToDecimal(sut)).toBe((BigInt(nines) - 1n - 10n ** 301n).toString());
  });

  it('realigns groups for every length of the last group', () => {
    for (let length = 1; length <= 61; length++) {
      const digits = randomDigits(prng(length), length);
      const sut: number[] = [];
      const { groups, last } = groupsOf(digits);
      addDigitGroups(sut, groups, last, false);
      expect(limbsToDecimal(sut)).toBe(BigInt(digits).toString());
    }
  });

  it('adds numbers of a million digits exactly', () => {
    const digits = randomDigits(prng(3), 1_000_000);
    const sut: number[] = [];
    addDecimal(sut, digits);
    addDecimal(sut, '-' + digits.slice(1));
    expect(limbsToDecimal(sut)).toBe((BigInt(digits) - BigInt(digits.slice(1))).toString());
  });

  it('turns groups into limbs in place for every length of the last group, either sign', () => {
    for (let length = 1; length <= 61; length++) {
      for (const negative of [false, true]) {
        const digits = randomDigits(prng(100 + length), length);
        const { groups, last } = groupsOf(digits);
        const sut = toDoubleArray(groups);
        expect(groupsToLimbs(sut, last, negative)).toBe(sut);
        expect(limbsToDecimal(sut)).toBe(((negative ? -1n : 1n) * BigInt(digits)).toString());
      }
    }
  });

  it('writes limbs of mixed signs whose top limb borrows down to 0', () => {
    expect(limbsToDecimal([-1, 1])).toBe('999999999999999');
    expect(limbsToDecimal([1, -1])).toBe('-999999999999999');
    expect(limbsToDecimal([-1, 0, 1])).toBe('9'.repeat(30));
    expect(limbsToDecimal([5, -1, 1])).toBe((10n ** 30n - 10n ** 15n + 5n).toString());
  });

  it('copies values into a double array equal to them', () => {
    const values = structuredClone([0.5, 123456789012345, -7]);
    const sut = toDoubleArray(values);
    expect(sut).toEqual(values);
    expect(sut).not.toBe(values);
    expect(doubleArray()).toEqual([]);
  });
});
