import {
  addDigitBytes,
  addLimbs,
  addUnits,
  emptyLimbs,
  groupsToLimbs,
  withRoom,
} from './decimal-limbs';
import { addDecimal, limbsToDecimal } from './decimal-text';
import { recycleLimbs } from './limbs-pool';
import { prng } from '../../../../../test/support/fuzz';

function randomDigits(next: () => number, length: number): string {
  let s = '';
  for (let k = 0; k < length; k++) s += String(Math.floor(next() * 10));
  return s;
}

/**
 * The 15-digit groups of `digits` from its start as the scanner keeps them (a Float64Array with
 * zeros after them), how many, and how many digits the last one has.
 */
function groupsOf(digits: string): { groups: Float64Array; count: number; last: number } {
  const count = Math.ceil(digits.length / 15);
  const groups = new Float64Array(count + 3);
  for (let k = 0; k < count; k++) groups[k] = Number(digits.slice(15 * k, 15 * k + 15));
  return { groups, count, last: digits.length % 15 || 15 };
}

/** The limbs of a BigInt by BigInt arithmetic: the reference the conversions are checked against. */
function limbsOf(value: bigint): number[] {
  const out: number[] = [];
  const negative = value < 0n;
  let v = negative ? -value : value;
  while (v > 0n) {
    out.push((negative ? -1 : 1) * Number(v % 10n ** 15n));
    v /= 10n ** 15n;
  }
  return out;
}

/** The first `length` elements of `limbs` (−0 as 0), and whether every one after them is 0. */
function prefix(limbs: Float64Array, length: number): { head: number[]; restZero: boolean } {
  return {
    head: Array.from(limbs.subarray(0, length), (x) => x + 0),
    restZero: limbs.subarray(length).every((x) => x === 0),
  };
}

describe('decimal limbs', () => {
  it('writes 0 for no limbs and for limbs that cancel out', () => {
    let sut = emptyLimbs();
    expect(limbsToDecimal(sut)).toBe('0');
    sut = addDecimal(sut, '123456789012345678901234567890');
    sut = addDecimal(sut, '-123456789012345678901234567890');
    expect(limbsToDecimal(sut)).toBe('0');
  });

  it('reads decimal strings into the limbs BigInt gives, and writes them back', () => {
    const next = prng(31);
    for (const length of [1, 14, 15, 16, 29, 30, 31, 45, 46, 200]) {
      for (const sign of ['', '-']) {
        const decimal = sign + String(1 + Math.floor(next() * 9)) + randomDigits(next, length - 1);
        const want = BigInt(decimal);
        const sut = addDecimal(emptyLimbs(), decimal);
        const limbs = limbsOf(want);
        expect([decimal, prefix(sut, limbs.length)]).toEqual([
          decimal,
          { head: limbs, restZero: true },
        ]);
        expect(sut[sut.length - 1]).toBe(0); // the spare
        expect(limbsToDecimal(sut)).toBe(want.toString());
      }
    }
  });

  it('adds and subtracts numbers of 1 to 200 digits exactly, as BigInt does', () => {
    const next = prng(7);
    let sut = emptyLimbs();
    let want = 0n;
    for (let k = 0; k < 2000; k++) {
      const digits = randomDigits(next, 1 + Math.floor(next() * 200));
      const negative = next() < 0.5;
      const bytes = Buffer.from(digits, 'latin1');
      if (k % 3 === 0) sut = addDigitBytes(sut, bytes, 0, bytes.length, negative);
      else if (k % 3 === 1) {
        const { groups, count, last } = groupsOf(digits);
        sut = addLimbs(sut, groupsToLimbs(groups, count, last, negative), count);
      } else sut = addDecimal(sut, (negative ? '-' : '') + digits);
      want += (negative ? -1n : 1n) * BigInt(digits);
      expect(limbsToDecimal(sut)).toBe(want.toString());
    }
  });

  it('carries through long runs of 9s and borrows through long runs of 0s', () => {
    let sut = emptyLimbs();
    const nines = '9'.repeat(300);
    sut = addDecimal(sut, nines);
    sut = addDecimal(sut, '1');
    expect(limbsToDecimal(sut)).toBe('1' + '0'.repeat(300));
    sut = addDecimal(sut, '-2');
    expect(limbsToDecimal(sut)).toBe('9'.repeat(299) + '8');
    sut = addDecimal(sut, '-' + '1' + '0'.repeat(301));
    expect(limbsToDecimal(sut)).toBe((BigInt(nines) - 1n - 10n ** 301n).toString());
  });

  it('grows the limbs when a carry reaches the spare on top, whatever the length', () => {
    for (const limbs of [1, 2, 3, 7]) {
      const nines = '9'.repeat(15 * limbs);
      let sut = addDecimal(emptyLimbs(), nines);
      expect(sut.length).toBe(limbs + 1); // full, but for the spare
      sut = addUnits(sut, 0, 1);
      expect(sut.length).toBeGreaterThan(limbs + 2);
      expect(sut[sut.length - 1]).toBe(0);
      expect(limbsToDecimal(sut)).toBe((BigInt(nines) + 1n).toString());
      sut = addUnits(sut, 0, -2);
      expect(limbsToDecimal(sut)).toBe((BigInt(nines) - 1n).toString());
    }
  });

  it('adds units of 2^53 − 1 at any limb, carrying across limb boundaries', () => {
    let sut = emptyLimbs();
    let want = 0n;
    for (let j = 0; j < 5; j++) {
      for (const value of [
        Number.MAX_SAFE_INTEGER,
        -Number.MAX_SAFE_INTEGER,
        999_999_999_999_999,
      ]) {
        sut = addUnits(sut, j, value);
        want += BigInt(value) * 10n ** BigInt(15 * j);
        expect(limbsToDecimal(sut)).toBe(want.toString());
      }
    }
  });

  it('realigns groups into limbs in place for every length of the last group, either sign', () => {
    for (let length = 1; length <= 61; length++) {
      for (const negative of [false, true]) {
        const digits = randomDigits(prng(100 + length), length);
        const { groups, count, last } = groupsOf(digits);
        const want = (negative ? -1n : 1n) * BigInt(digits);
        const sut = groupsToLimbs(groups, count, last, negative);
        expect(sut).toBe(groups);
        const head = [...limbsOf(want), ...Array<number>(count).fill(0)].slice(0, count);
        expect(prefix(sut, count)).toEqual({ head, restZero: true });
        expect(limbsToDecimal(sut)).toBe(want.toString());
      }
    }
  });

  it('grows to twice its length at least, keeping its values and a 0 above', () => {
    const sut = Float64Array.from([1, 2, 0]);
    expect(withRoom(sut, 2)).toBe(sut);
    expect(Array.from(withRoom(sut, 3))).toEqual([1, 2, 0, 0, 0, 0]);
    expect(Array.from(withRoom(sut, 7))).toEqual([1, 2, 0, 0, 0, 0, 0, 0]);
  });

  it('writes limbs of mixed signs whose top limb borrows down to 0', () => {
    const limbs = (values: number[]): Float64Array => Float64Array.from([...values, 0]);
    expect(limbsToDecimal(limbs([-1, 1]))).toBe('999999999999999');
    expect(limbsToDecimal(limbs([1, -1]))).toBe('-999999999999999');
    expect(limbsToDecimal(limbs([-1, 0, 1]))).toBe('9'.repeat(30));
    expect(limbsToDecimal(limbs([5, -1, 1]))).toBe((10n ** 30n - 10n ** 15n + 5n).toString());
  });

  it('adds numbers of a million digits exactly', () => {
    const digits = randomDigits(prng(3), 1_000_000);
    let sut = emptyLimbs();
    sut = addDecimal(sut, digits);
    sut = addDecimal(sut, '-' + digits.slice(1));
    expect(limbsToDecimal(sut)).toBe((BigInt(digits) - BigInt(digits.slice(1))).toString());
  });

  // BigInt takes ~10 s to read and write 6 million digits here: the 6-million-digit check against
  // BigInt is scripts/bench-long-tokens.ts (every run); this one checks the round trip exactly.
  it('turns the groups of a 6-million-digit number into limbs and back to its digits', () => {
    const digits = '7' + randomDigits(prng(4), 6_000_000 - 1);
    const { groups, count, last } = groupsOf(digits);
    const sut = groupsToLimbs(groups, count, last, true);
    expect(limbsToDecimal(sut)).toBe('-' + digits);
    // Against BigInt on a 1-million-digit prefix of it, every length of the last group there.
    const head = digits.slice(0, 1_000_000 + 7);
    const fromGroups = groupsOf(head);
    const limbs = groupsToLimbs(fromGroups.groups, fromGroups.count, fromGroups.last, false);
    expect(limbsToDecimal(limbs) === BigInt(head).toString()).toBe(true);
  });
});

describe(recycleLimbs.name, () => {
  it('gives a recycled array to the next growth that fits, zeroed above what it copies', () => {
    const old = new Float64Array(8192).fill(7);
    recycleLimbs(old);
    const grown = withRoom(Float64Array.from([1, 2, 3, 0]), 5000);
    expect(grown).toBe(old); // the same memory, not a new array
    expect(Array.from(grown.subarray(0, 4))).toEqual([1, 2, 3, 0]);
    expect(grown.subarray(4).every((v) => v === 0)).toBe(true);
    // Taken once: the next growth gets another array.
    expect(withRoom(new Float64Array(2), 5000)).not.toBe(old);
  });

  it('keeps no small, detached or view arrays', () => {
    const small = new Float64Array(16);
    recycleLimbs(small);
    expect(withRoom(new Float64Array(2), 8)).not.toBe(small);
    const view = new Float64Array(20_000).subarray(0, 10_000);
    recycleLimbs(view);
    expect(withRoom(new Float64Array(2), 9_000)).not.toBe(view);
  });
});
